#!/usr/bin/python3
"""A discarding HTTP/1.1 sink for the push ceiling: reads each request body into one 1 MiB
buffer and drops it, then answers 204 (GET answers 200). Keep-alive, one thread per
connection, 127.0.0.1 only.

nginx's `return 204` discards a body through a 4 KiB buffer (NGX_HTTP_DISCARD_BUFFER_SIZE),
which makes it a far lower ceiling than what the client can upload; this sink reads the way a
registry that hashes the bytes has to (into user memory), with large reads.

Usage: sink.py PORT
"""

import socket
import sys
import threading

BUF = 1 << 20


def handle(conn):
    buf = bytearray(BUF)
    mv = memoryview(buf)
    pending = b""
    try:
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
                if len(pending) > 65536:
                    return
            head, pending = pending.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method = lines[0].split(" ", 1)[0]
            length = 0
            close = False
            for line in lines[1:]:
                k, _, v = line.partition(":")
                k = k.strip().lower()
                if k == "content-length":
                    length = int(v)
                elif k == "connection" and "close" in v.lower():
                    close = True
            take = min(length, len(pending))
            pending = pending[take:]
            left = length - take
            while left > 0:
                n = conn.recv_into(mv, min(left, BUF))
                if n == 0:
                    return
                left -= n
            if method == "GET":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 2\r\n\r\n{}")
            else:
                conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            if close:
                return
    except OSError:
        return
    finally:
        conn.close()


def main():
    port = int(sys.argv[1])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

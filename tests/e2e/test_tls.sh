#!/usr/bin/env bash
# HTTPS on the data plane and the management API with certificates from berth's local CA:
# curl trusts <data_dir>/tls/ca.pem (and fails without it), SNI names of login servers and
# private-link names verify, TLS 1.2+ with ALPN http/1.1 only, skopeo pushes and pulls over TLS
# with a certs dir holding ca.crt (byte-identical), ctr pulls with --tlscacert and with a
# hosts.toml `ca`, blob ranges over TLS, the plain listener
# keeps working, a registry created through the management API is covered without a restart,
# the CA survives a restart, and a silent TLS client is dropped after the idle timeout.
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl python3 openssl containerd
e2e_setup "$@"
is_berth || { skip "TLS listeners are a berth feature (the reference registry runs plain HTTP here)"; e2e_done; }

CFG="$E2E_TMP/berth.yaml"
cat >"$CFG" <<'YAML'
tls:
  management_listen: 127.0.0.1:0
YAML
BERTH_ARGS="--tls-listen 127.0.0.1:0 --config $CFG"
start_registry
TLS_PORT="$(berth_log_port 'listening on https')"
MGMT_TLS_PORT="$(berth_log_port 'management API on https')"
TLS="localhost:$TLS_PORT"
CA="$E2E_DATA/tls/ca.pem"
log "HTTPS data plane on $TLS, HTTPS management API on port $MGMT_TLS_PORT, plain HTTP on $REG"

# --- the local CA ---------------------------------------------------------------------------
[[ -f "$CA" && -f "$E2E_DATA/tls/ca.key" ]] || fail "no local CA under $E2E_DATA/tls"
assert_eq 600 "$(stat -c %a "$E2E_DATA/tls/ca.key")" "ca.key is readable by the daemon's user only"
grep -q "created a local certificate authority: .*tls/ca.pem" "$REG_LOG" || fail "the log does not name the new CA"
ok "the log names the CA created on first start"
openssl x509 -in "$CA" -noout -text >"$E2E_TMP/ca.txt"
grep -q 'CA:TRUE' "$E2E_TMP/ca.txt" || fail "ca.pem is not a CA certificate"
grep -q 'Certificate Sign' "$E2E_TMP/ca.txt" || fail "ca.pem lacks keyUsage keyCertSign"
ok "ca.pem: CA:TRUE, keyCertSign"
CA_SHA="$(sha256sum "$CA" | cut -d' ' -f1)"

# --- curl: trust, SNI names, protocol ---------------------------------------------------------
code="$(curl -sS --cacert "$CA" -o "$E2E_TMP/v2.json" -w '%{http_code}' "https://$TLS/v2/")"
assert_eq 200 "$code" "curl --cacert ca.pem https://$TLS/v2/"
rc=0; curl -sS -o /dev/null "https://$TLS/v2/" 2>"$E2E_TMP/noca.err" || rc=$?
assert_eq 60 "$rc" "without the CA curl refuses the certificate (exit 60: $(head -c 120 "$E2E_TMP/noca.err"))"
code="$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$TLS_PORT/v2/")"
assert_eq 200 "$code" "the certificate covers 127.0.0.1 (IP SAN)"
for host in default.cr.internal default.privatelink.cr.internal; do
  # curl's --resolve gives the name an address without touching /etc/hosts.
  code="$(curl -sS --cacert "$CA" --resolve "$host:$TLS_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' "https://$host:$TLS_PORT/v2/")"
  [[ "$code" =~ ^[0-9]{3}$ && "$code" != 000 ]] || fail "TLS to $host failed"
  ok "the certificate verifies for $host (HTTP $code)"
done
curl -sS -v --cacert "$CA" -o /dev/null "https://$TLS/v2/" 2>"$E2E_TMP/verbose.err"
grep -q 'ALPN: server accepted http/1.1' "$E2E_TMP/verbose.err" || fail "server did not select ALPN http/1.1: $(grep ALPN "$E2E_TMP/verbose.err")"
ok "ALPN: the server selects http/1.1 from curl's h2,http/1.1"
code="$(curl -sS --cacert "$CA" --tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}' "https://$TLS/v2/")"
assert_eq 200 "$code" "TLS 1.2 is accepted"
if openssl s_client -connect "127.0.0.1:$TLS_PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$E2E_TMP/tls11.out" 2>&1; then
  fail "a TLS 1.1 handshake succeeded"
fi
ok "TLS 1.1 is refused"

# --- skopeo over TLS, trusting the CA through a certs dir -------------------------------------
CERTS="$E2E_TMP/certs"
mkdir -p "$CERTS"
cp "$CA" "$CERTS/ca.crt"
L="$E2E_TMP/layout"
build_image "$L" app 2 2048 amd64
APP_DIGEST="$(layout_digest "$L" app)"
if skopeo_ inspect --raw "docker://$TLS/e2e/none:v1" >/dev/null 2>"$E2E_TMP/skopeo-noca.err"; then
  fail "skopeo accepted the certificate without the CA"
fi
grep -qiE 'x509|certificate' "$E2E_TMP/skopeo-noca.err" || fail "skopeo failed for another reason: $(head -c 300 "$E2E_TMP/skopeo-noca.err")"
ok "skopeo without the CA: certificate error"
skopeo_ copy -q --dest-cert-dir "$CERTS" "oci:$L:app" "docker://$TLS/e2e/tls:v1"
ok "skopeo copy --dest-cert-dir (ca.crt) pushed over HTTPS to $TLS"
skopeo_ inspect --cert-dir "$CERTS" --raw "docker://$TLS/e2e/tls:v1" >"$E2E_TMP/tls.raw"
assert_eq "$APP_DIGEST" "$(sha256_file "$E2E_TMP/tls.raw")" "manifest over HTTPS unchanged"
OUT="$E2E_TMP/out"
skopeo_ copy -q --src-cert-dir "$CERTS" "docker://$TLS/e2e/tls:v1" "oci:$OUT:back"
assert_eq "$APP_DIGEST" "$(layout_digest "$OUT" back)" "pulled over HTTPS: same manifest digest"
assert_layout_same "$L" "$OUT" "$APP_DIGEST"

# --- containerd (ctr) over TLS: --tlscacert, and hosts.toml `ca` ------------------------------
start_containerd tls
# containerd 1.6 speaks plain HTTP to localhost/127.0.0.1 unless a hosts.toml names an https
# server, so both pulls go through one: first with the CA from --tlscacert, then from `ca`.
HOSTS="$E2E_TMP/certs.d"
mkdir -p "$HOSTS/$TLS"
cat >"$HOSTS/$TLS/hosts.toml" <<EOF
server = "https://$TLS"
[host."https://$TLS"]
  capabilities = ["pull", "resolve", "push"]
EOF
ctr_ images pull --hosts-dir "$HOSTS" --tlscacert "$CA" "$TLS/e2e/tls:v1" >"$E2E_TMP/ctr-pull.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/ctr-pull.log" >&2; fail "ctr images pull --tlscacert over HTTPS"; }
for d in $(layout_closure "$L" "$APP_DIGEST"); do
  ctr_ content get "$d" >"$E2E_TMP/ctr.blob" || fail "ctr content get $d"
  cmp -s "$E2E_TMP/ctr.blob" "$(layout_blob "$L" "$d")" || fail "containerd's copy of $d differs"
done
ok "ctr images pull --tlscacert ca.pem over HTTPS: every object byte-identical"
ctr_ images rm "$TLS/e2e/tls:v1" >/dev/null
ctr_ content rm $(layout_closure "$L" "$APP_DIGEST") >/dev/null 2>&1 || true
echo "  ca = \"$CA\"" >>"$HOSTS/$TLS/hosts.toml"
ctr_ images pull --hosts-dir "$HOSTS" "$TLS/e2e/tls:v1" >"$E2E_TMP/ctr-pull2.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/ctr-pull2.log" >&2; fail "ctr images pull --hosts-dir (hosts.toml ca) over HTTPS"; }
ok "ctr images pull --hosts-dir with hosts.toml 'ca = ca.pem'"
stop_pid "$CTD_PID" 10
untrack_pid "$CTD_PID"

# --- blob bodies over TLS: whole and ranged ---------------------------------------------------
LAYER="$(jq -r '.layers[0].digest' "$(layout_blob "$L" "$APP_DIGEST")")"
LAYER_FILE="$(layout_blob "$L" "$LAYER")"
curl -sS --cacert "$CA" -o "$E2E_TMP/layer.https" "https://$TLS/v2/e2e/tls/blobs/$LAYER"
assert_eq "$LAYER" "$(sha256_file "$E2E_TMP/layer.https")" "GET layer blob over HTTPS ($(stat -c %s "$LAYER_FILE") bytes)"
code="$(curl -sS --cacert "$CA" -r 70000-200000 -o "$E2E_TMP/range.https" -w '%{http_code}' "https://$TLS/v2/e2e/tls/blobs/$LAYER")"
assert_eq 206 "$code" "Range over HTTPS"
cmp -s "$E2E_TMP/range.https" <(file_slice "$LAYER_FILE" 70000 130001) || fail "ranged HTTPS body differs from the layer bytes"
ok "ranged HTTPS body is bytes 70000-200000 of the layer"
CONFIG="$(jq -r '.config.digest' "$(layout_blob "$L" "$APP_DIGEST")")"
code="$(curl -sS --cacert "$CA" -w '%{http_code}/%{num_connects} ' -o "$E2E_TMP/config.https" \
  "https://$TLS/v2/e2e/tls/blobs/$CONFIG" -o "$E2E_TMP/config2.https" "https://$TLS/v2/e2e/tls/blobs/$CONFIG")"
assert_eq "200/1 200/0 " "$code" "two small blob GETs on one kept-alive TLS connection (status/new connections)"
cmp -s "$E2E_TMP/config.https" "$E2E_TMP/config2.https" || fail "the second GET on the connection returned other bytes"
assert_eq "$CONFIG" "$(sha256_file "$E2E_TMP/config.https")" "config blob over HTTPS"

# --- the plain listener is unchanged ----------------------------------------------------------
http GET /v2/
assert_status 200 "plain HTTP GET /v2/ on $REG"
assert_registry_has e2e/tls "$L" "$APP_DIGEST"
rc=0; curl -sS --max-time 5 -o /dev/null "http://$TLS/v2/" 2>/dev/null || rc=$?
assert_ne 0 "$rc" "plain HTTP to the TLS port gets no HTTP answer"
code="$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://$TLS/v2/")"
assert_eq 200 "$code" "the TLS listener still serves after a plain-HTTP client"

# --- management API over HTTPS; a new registry is covered without a restart -------------------
MG="https://localhost:$MGMT_TLS_PORT"
USER="$(jq -r .username "$E2E_DATA/operator-credentials.json")"
PASS="$(jq -r .password "$E2E_DATA/operator-credentials.json")"
MG_BODY="$E2E_TMP/mg.body"
mg() {  # mg METHOD PATH [BODY]: management call over HTTPS; body in $MG_BODY, status in MG_STATUS
  local args=(-sS --cacert "$CA" -u "$USER:$PASS" -X "$1" -o "$E2E_TMP/mg.body" -w '%{http_code}')
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data "$3")
  MG_STATUS="$(curl "${args[@]}" "$MG$2?api-version=2023-07-01")"
}
host=tlsreg01.westeurope.data.cr.internal
rc=0; curl -sS --cacert "$CA" --resolve "$host:$TLS_PORT:127.0.0.1" -o /dev/null "https://$host:$TLS_PORT/v2/" 2>/dev/null || rc=$?
assert_eq 60 "$rc" "before the registry exists the certificate does not cover $host"
mg GET /providers/Berth.Management/info
SUB="$(jq -r .defaultSubscription "$MG_BODY")"
assert_eq 200 "$MG_STATUS" "management API info over HTTPS"
mg PUT "/subscriptions/$SUB/resourcegroups/tlsrg" '{"location":"westeurope"}'
[[ "$MG_STATUS" == 200 || "$MG_STATUS" == 201 ]] || fail "create resource group: HTTP $MG_STATUS $(head -c 300 "$MG_BODY")"
mg PUT "/subscriptions/$SUB/resourceGroups/tlsrg/providers/Microsoft.ContainerRegistry/registries/tlsreg01" \
  '{"location":"westeurope","sku":{"name":"Premium"},"properties":{"dataEndpointEnabled":true}}'
[[ "$MG_STATUS" == 200 || "$MG_STATUS" == 201 ]] || fail "create registry: HTTP $MG_STATUS $(head -c 300 "$MG_BODY")"
ok "registry tlsreg01 (westeurope) created over the HTTPS management API"
# A data endpoint in a location the first certificate did not know: only a re-issued leaf has it.
code="$(curl -sS --cacert "$CA" --resolve "$host:$TLS_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' "https://$host:$TLS_PORT/v2/")"
[[ "$code" =~ ^[0-9]{3}$ && "$code" != 000 ]] || fail "TLS to $host failed after creating the registry"
ok "the re-issued certificate covers $host without a restart (HTTP $code)"
code="$(curl -sS --cacert "$CA" --resolve "tlsreg01.cr.internal:$TLS_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' "https://tlsreg01.cr.internal:$TLS_PORT/v2/")"
assert_eq 401 "$code" "the new registry answers on its login server over HTTPS (and asks for credentials)"
OP_PW="$(jq -r .password "$E2E_DATA/operator-credentials.json")"
code="$(curl -sS --cacert "$CA" -u "admin:$OP_PW" --resolve "tlsreg01.cr.internal:$TLS_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' "https://tlsreg01.cr.internal:$TLS_PORT/v2/")"
assert_eq 200 "$code" "the first operator signs in to the new registry over HTTPS"

# --- the CLI over HTTPS: REQUESTS_CA_BUNDLE names the CA, as with az ---------------------------
export BERTH_CONFIG_DIR="$E2E_TMP/berth-config"
rc=0; env -u REQUESTS_CA_BUNDLE "$BERTH_BIN" login --server "$MG" --credentials-file "$E2E_DATA/operator-credentials.json" \
  </dev/null >/dev/null 2>"$E2E_TMP/cli-noca.err" || rc=$?
[[ $rc -ne 0 ]] || fail "berth login over HTTPS succeeded without trusting the CA"
grep -q "REQUESTS_CA_BUNDLE" "$E2E_TMP/cli-noca.err" || fail "the TLS error does not say how to trust the CA: $(cat "$E2E_TMP/cli-noca.err")"
ok "berth login over HTTPS without the CA fails and names REQUESTS_CA_BUNDLE"
REQUESTS_CA_BUNDLE="$CA" "$BERTH_BIN" login --server "$MG" --credentials-file "$E2E_DATA/operator-credentials.json" </dev/null >/dev/null
assert_eq tlsreg01 "$(REQUESTS_CA_BUNDLE="$CA" "$BERTH_BIN" acr show -n tlsreg01 --query name -o tsv </dev/null)" \
  "berth acr show over the HTTPS management API (certificate verified for localhost)"

# --- restart: same CA; a silent client is dropped after the idle timeout ---------------------
cat >>"$CFG" <<'YAML'
limits:
  idle_timeout_seconds: 2
YAML
restart_registry
TLS_PORT="$(berth_log_port 'listening on https')"
TLS="localhost:$TLS_PORT"
assert_eq "$CA_SHA" "$(sha256sum "$CA" | cut -d' ' -f1)" "the CA is reused after a restart"
if grep -q "created a local certificate authority" "$REG_LOG"; then fail "a second CA was created"; fi
code="$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://$TLS/v2/")"
assert_eq 200 "$code" "HTTPS after the restart with the same ca.pem"
elapsed="$(python3 - "$TLS_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
t = time.time()
try:
    data = s.recv(1)   # never send a ClientHello: the server must give up on the handshake
except OSError:
    data = b""
print("%.1f" % (time.time() - t) if data == b"" else "got-data")
PY
)"
[[ "$elapsed" != got-data ]] && python3 -c "import sys; sys.exit(0 if float('$elapsed') < 10 else 1)" ||
  fail "a client that never starts the handshake was not dropped in time ($elapsed)"
ok "a client that never sends a ClientHello is dropped after ${elapsed}s (idle timeout 2 s)"
code="$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://$TLS/v2/")"
assert_eq 200 "$code" "still serving HTTPS"

stop_registry
e2e_done

"""Results: per-run values for each metric and server, medians, ratios, targets, the table
and the JSON document."""

import math
import statistics

SERVERS = ("berth", "registry", "nginx")


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "-"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


class Metric:
    def __init__(self, mid, label, unit, better, note=""):
        self.id = mid
        self.label = label
        self.unit = unit
        self.better = better  # "higher" or "lower"
        self.note = note
        self.runs = {}  # server -> [values]
        self.targets = []  # (text, fn(results) -> True/False/None)

    def add(self, server, value):
        self.runs.setdefault(server, []).append(float(value))

    def median(self, server):
        r = self.runs.get(server)
        return statistics.median(r) if r else None

    def ratio(self, peer):
        """> 1 means berth is better than peer, whichever direction the metric goes."""
        b, p = self.median("berth"), self.median(peer)
        if b is None or p is None or b == 0 or p == 0:
            return None
        return b / p if self.better == "higher" else p / b


class Results:
    def __init__(self):
        self.metrics = {}
        self.order = []
        self.errors = []
        self.ceilings = {}
        self.meta = {}
        self.notes = []

    def metric(self, mid, label, unit, better, note=""):
        m = Metric(mid, label, unit, better, note)
        self.metrics[mid] = m
        self.order.append(mid)
        return m

    def add(self, mid, server, value):
        self.metrics[mid].add(server, value)

    def med(self, mid, server):
        m = self.metrics.get(mid)
        return m.median(server) if m else None

    def target(self, mid, text, fn):
        self.metrics[mid].targets.append((text, fn))

    def error(self, what, server, message):
        self.errors.append({"what": what, "server": server, "error": str(message)})

    def evaluate(self, m):
        out = []
        for text, fn in m.targets:
            try:
                ok = fn(self)
            except (TypeError, ZeroDivisionError):
                ok = None
            out.append({"target": text, "status": "n/a" if ok is None else ("PASS" if ok else "MISS")})
        return out

    # --- output ------------------------------------------------------------------------

    def to_json(self, servers):
        metrics = []
        counts = {"PASS": 0, "MISS": 0, "n/a": 0}
        for mid in self.order:
            m = self.metrics[mid]
            per = {}
            for s in servers:
                r = m.runs.get(s)
                if r:
                    per[s] = {"median": statistics.median(r), "min": min(r), "max": max(r),
                              "runs": r}
            targets = self.evaluate(m)
            for t in targets:
                counts[t["status"]] += 1
            metrics.append({
                "id": m.id, "label": m.label, "unit": m.unit, "better": m.better,
                "note": m.note, "servers": per,
                "berth_vs_registry": m.ratio("registry") if "registry" in servers else None,
                "berth_vs_nginx": m.ratio("nginx") if "nginx" in servers else None,
                "targets": targets,
            })
        return {"meta": self.meta, "ceilings": self.ceilings, "metrics": metrics,
                "targets": counts, "errors": self.errors, "notes": self.notes,
                "ok": not self.errors}

    def table(self, servers):
        doc = self.to_json(servers)
        head = ["metric", "unit"] + [s for s in SERVERS if s in servers]
        if "registry" in servers:
            head.append("vs reg")
        if "nginx" in servers:
            head.append("vs nginx")
        head.append("targets (berth)")
        rows = []
        for m in doc["metrics"]:
            row = [m["label"], m["unit"]]
            for s in SERVERS:
                if s not in servers:
                    continue
                v = m["servers"].get(s)
                if not v:
                    row.append("-")
                elif len(v["runs"]) > 1:
                    row.append(f"{fmt(v['median'])} [{fmt(v['min'])}–{fmt(v['max'])}]")
                else:
                    row.append(fmt(v["median"]))
            if "registry" in servers:
                r = m["berth_vs_registry"]
                row.append("-" if r is None else f"{r:.2f}×")
            if "nginx" in servers:
                r = m["berth_vs_nginx"]
                row.append("-" if r is None else f"{r:.2f}×")
            row.append("  ".join(f"{t['status']} {t['target']}" for t in m["targets"]))
            rows.append(row)
        widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
        widths[-1] = 0
        lines = []

        def line(cells):
            parts = []
            for i, c in enumerate(cells):
                c = str(c)
                if i < 2 or i == len(cells) - 1:
                    parts.append(c.ljust(widths[i]))
                else:
                    parts.append(c.rjust(widths[i]))
            return "  ".join(parts).rstrip()

        lines.append(line(head))
        lines.append("  ".join("-" * w if w else "-" * 15 for w in widths))
        for r in rows:
            lines.append(line(r))
        return "\n".join(lines), doc

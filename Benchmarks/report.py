"""Folds Benchmarks/run's raw outputs (one JSON object per measurement and repetition) into
results/latest.json with the issue-6 keys (medians over repetitions) and prints a table.

  python3 Benchmarks/report.py RAW_DIR OUT_JSON
"""

import glob
import json
import os
import statistics
import sys


def load(raw, name):
    with open(os.path.join(raw, name)) as f:
        return json.load(f)


def reps(raw, prefix):
    files = sorted(glob.glob(os.path.join(raw, prefix + ".*.json")))
    return [json.load(open(f)) for f in files]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median_low(values) if values else None


def med(raw, prefix, field):
    return median([r.get(field) for r in reps(raw, prefix)])


def build(raw):
    decode = load(raw, "decode.json")
    tui = load(raw, "tui.json") if os.path.exists(os.path.join(raw, "tui.json")) else {}
    result = {
        "decode": {k: decode[k] for k in ("small_mb_s", "large_mb_s", "memcpy_mb_s", "small_frames_s", "large_frames_s",
                                           "small_events_s", "large_events_s", "protobuf_small_mb_s", "protobuf_large_mb_s")
                   if k in decode},
        "loopback_mb_s": load(raw, "loopback.json")["loopback_mb_s"],
        "append": {who: {mode: med(raw, f"append-{tag}-{mode}", "events_s") for mode in ("c1", "c64", "batch100")}
                   for who, tag in (("ours", "ours"), ("photonpump", "pp"))},
        "read_stream": {"ours": med(raw, "read-ours-stream", "events_s"), "photonpump": med(raw, "read-pp-stream", "events_s")},
        "read_all": {"ours": med(raw, "read-ours-all", "events_s"), "photonpump": med(raw, "read-pp-all", "events_s")},
        "read_peak_rss_mb": max(r["peak_rss_mb"] for r in reps(raw, "read-ours-stream") + reps(raw, "read-ours-all")),
        "catchup_s": med(raw, "catchup", "seconds"),
        "latency_us": {who: {q: med(raw, f"latency-{tag}", q) for q in ("p50", "p99", "p999")}
                       for who, tag in (("ours", "ours"), ("photonpump", "pp"))},
        "tui": {k: tui.get(k) for k in ("cpu_pct", "rss_mb", "rss_first_mb", "rss_max_mb", "rss_samples_mb")},
    }
    if reps(raw, "fsync"):
        # The disk's flush latency at the same rate: the floor under every durable delivery.
        result["fsync_us"] = {q: med(raw, "fsync", q) for q in ("p50", "p90", "p99", "p999")}
    if reps(raw, "latency-ours-tmpfs"):
        result["latency_us"]["ours_tmpfs"] = {q: med(raw, "latency-ours-tmpfs", q) for q in ("p50", "p99", "p999")}
    decode_large = result["decode"]["large_mb_s"]
    result["decode"]["large_pct_of_memcpy"] = 100 * decode_large / result["decode"]["memcpy_mb_s"]
    load_run = load(raw, "load.json")
    result["load"] = {"events": load_run["events"], "seconds": load_run["seconds"], "events_s": load_run["events_s"]}
    result["catchup_events"] = med(raw, "catchup", "events")
    result["read_events"] = {"ours_stream": med(raw, "read-ours-stream", "events"),
                             "photonpump_stream": med(raw, "read-pp-stream", "events"),
                             "ours_all": med(raw, "read-ours-all", "events"),
                             "photonpump_all": med(raw, "read-pp-all", "events")}
    result["machine"] = load(raw, "machine.json")
    result["runs"] = {os.path.basename(f)[:-5]: json.load(open(f))
                      for f in sorted(glob.glob(os.path.join(raw, "*.json")))
                      if not os.path.basename(f).startswith(("machine", "decode", "tui", "fsync"))}
    return result


def ratio(a, b):
    return f"{a / b:.1f}x" if a and b else "-"


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def table(r):
    rows = [("measurement", "ours", "photonpump", "ours/pp", "target", "met")]

    def add(name, ours, pp, target, met, digits=0):
        rows.append((name, fmt(ours, digits), fmt(pp, digits), ratio(ours, pp) if pp else "", target,
                     "" if met is None else ("yes" if met else "NO")))

    d = r["decode"]
    add("decode 200 B events, MB/s", d["small_mb_s"], None, "", None)
    add("decode 4 KB events, MB/s", d["large_mb_s"], None, ">= 25% of memcpy", d["large_pct_of_memcpy"] >= 25)
    add("  (= % of memcpy)", d["large_pct_of_memcpy"], None, "", None, 1)
    add("memcpy, MB/s", d["memcpy_mb_s"], None, "ceiling", None)
    add("loopback TCP, MB/s", r["loopback_mb_s"], None, "ceiling", None)
    a = r["append"]
    add("append c1, events/s", a["ours"]["c1"], a["photonpump"]["c1"], "", None)
    c64_ok = a["ours"]["c64"] and a["photonpump"]["c64"] and a["ours"]["c64"] >= 5 * a["photonpump"]["c64"]
    add("append c64, events/s", a["ours"]["c64"], a["photonpump"]["c64"], ">= 5x pp", c64_ok)
    add("append batch100, events/s", a["ours"]["batch100"], a["photonpump"]["batch100"], "", None)
    rs, ra = r["read_stream"], r["read_all"]
    read_ok = rs["ours"] >= 500_000 and rs["photonpump"] and rs["ours"] >= 10 * rs["photonpump"]
    add("read stream, events/s", rs["ours"], rs["photonpump"], ">= 500k, >= 10x pp", read_ok)
    add("read $all, events/s", ra["ours"], ra["photonpump"], "", None)
    add("read peak RSS, MB", r["read_peak_rss_mb"], None, "bounded", None, 1)
    add(f"catch-up {fmt(r['catchup_events'])} events, s", r["catchup_s"], None, "", None, 2)
    lo, lp = r["latency_us"]["ours"], r["latency_us"]["photonpump"]
    for q in ("p50", "p99", "p999"):
        target, met = ("<= 2000", lo[q] <= 2000) if q == "p99" else ("", None)
        add(f"latency {q} at 1000/s, us", lo[q], lp[q], target, met)
    if "fsync_us" in r:
        f = r["fsync_us"]
        add("  disk fdatasync p50/p99, us", f["p50"], None, f"p99 {fmt(f['p99'])}", None)
    if "ours_tmpfs" in r["latency_us"]:
        lt = r["latency_us"]["ours_tmpfs"]
        add("  p50/p99 with db on tmpfs, us", lt["p50"], None, f"p99 {fmt(lt['p99'])}", None)
    t = r["tui"]
    add("esdb tail at 5000/s, CPU %", t["cpu_pct"], None, "< 100", None if t["cpu_pct"] is None else t["cpu_pct"] < 100, 1)
    add("esdb RSS first -> last, MB", t["rss_first_mb"], None, "", None, 1)
    add("esdb RSS last, MB", t["rss_mb"], None, "flat", None, 1)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) if i in (0, 4) else cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    m = r["machine"]
    lines.append("")
    lines.append(f"{'quick' if m['quick'] else 'full'} run: {m['nproc']} cores ({m['cpu']}), kernel {m['kernel']}, "
                 f"{m['swift']}; load {m['load_start']} -> {m['load_end']}; {m['suite_seconds']} s")
    lines.append(f"read stream: {fmt(m['read_events'])} events loaded at {fmt(r['load']['events_s'])} events/s; "
                 f"photonpump reads capped at {m['pp_read_max_seconds']} s "
                 f"({fmt(r['read_events']['photonpump_stream'])} / {fmt(r['read_events']['photonpump_all'])} events)")
    return "\n".join(lines)


def main():
    raw, out = sys.argv[1], sys.argv[2]
    result = build(raw)
    with open(out, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")
    print(table(result))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()

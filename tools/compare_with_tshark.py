#!/usr/bin/env python3
"""Agreement of limen-probe's function codes with tshark's, per protocol.

For every capture under ../shared/pcaps/ics (or the folders given), tshark lists the function
code (Modbus, S7comm), application function (DNP3) or ASDU type id (IEC 104) of every message,
and limen-probe reports transactions; a transaction counts once for its request and once for its
response. Per file, the two multisets of codes are compared: a message agrees when the probe
reported the same code for it. Agreement = agreed messages / messages tshark saw. Messages in frames tshark itself flags as
malformed have no code tshark vouches for: they are counted and shown apart, not compared.

tshark is used only here, as a second opinion; it is not a dependency of the probe.

    tools/compare_with_tshark.py [--probe build/bin/limen-probe] [--min 99] [DIR ...]

Exits 1 when a protocol's agreement is below --min percent.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# protocol -> (tshark display filter, tshark fields, probe field names)
PROTOCOLS = {
    # Exception responses carry fc|0x80 in tshark's func_code; the probe reports the request's
    # code with an exception, so tshark's value is folded back to the function.
    "modbus": ("modbus.func_code", ["modbus.func_code"]),
    "dnp3": ("dnp3.al.func", ["dnp3.al.func"]),
    "iec104": ("iec60870_asdu.typeid", ["iec60870_asdu.typeid"]),
    "s7comm": ("s7comm.param.func", ["s7comm.param.func"]),
}


def tshark_codes(path, proto, malformed=False):
    """Codes tshark decodes; with malformed=True, only those in frames tshark flags malformed."""
    display, fields = PROTOCOLS[proto]
    display = f"({display}) && {'' if malformed else '!'}_ws.malformed"
    cmd = ["tshark", "-n", "-r", path, "-Y", display, "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    codes = collections.Counter()
    for line in out.splitlines():
        for value in line.split(","):
            value = value.strip()
            if not value:
                continue
            code = int(value, 0)
            if proto == "modbus":
                code &= 0x7F
            if proto == "dnp3" and code == 0:
                continue  # confirmations: acknowledgements, not reported as transactions
            codes[code] += 1
    return codes


def probe_codes(probe, path):
    out = subprocess.run([probe, "-r", path, "--eve", "-", "--quiet", "--no-flow-events",
                          "--stats-interval", "0"], capture_output=True, text=True,
                         timeout=300).stdout
    codes = {p: collections.Counter() for p in PROTOCOLS}
    for line in out.splitlines():
        e = json.loads(line)
        proto = e.get("event_type")
        if proto not in codes:
            continue
        o = e[proto]
        if proto == "modbus":
            for half in ("request", "response"):
                if o.get(half) and "function_code" in o:
                    codes[proto][o["function_code"] & 0x7F] += 1
        elif proto == "dnp3":
            if o.get("request") and "function_code" in o:
                codes[proto][o["function_code"]] += 1
            if o.get("response"):
                # A request's response carries its own code; an unsolicited report is one.
                code = o.get("response_function_code", o.get("function_code"))
                if code is not None and not (o.get("request") and "response_function_code" not in o):
                    codes[proto][code] += 1
        elif proto == "iec104":
            if "type_id" in o:
                codes[proto][o["type_id"]] += 1
        elif proto == "s7comm":
            if "function_code" in o and o.get("rosctr") in (1, 3):
                for half in ("request", "response"):
                    if o.get(half):
                        codes[proto][o["function_code"]] += 1
    return codes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", default=os.path.join(ROOT, "build", "bin", "limen-probe"))
    ap.add_argument("--min", type=float, default=99.0, help="required agreement in percent")
    ap.add_argument("--verbose", action="store_true", help="print every file that disagrees")
    ap.add_argument("dirs", nargs="*",
                    default=[os.path.join(ROOT, "..", "shared", "pcaps", "ics")])
    args = ap.parse_args()
    if not os.access(args.probe, os.X_OK):
        sys.exit(f"compare_with_tshark: {args.probe} is not built (scripts/build)")
    files = []
    for d in args.dirs:
        for base, _, names in os.walk(d):
            files += [os.path.join(base, n) for n in names
                      if n.lower().endswith((".pcap", ".pcapng", ".cap"))]
    files.sort()
    seen = collections.Counter()
    set_aside = collections.Counter()
    agreed = collections.Counter()
    reported = collections.Counter()
    for path in files:
        mine = probe_codes(args.probe, path)
        for proto in PROTOCOLS:
            theirs = tshark_codes(path, proto)
            if not theirs and not mine[proto]:
                continue
            set_aside[proto] += sum(tshark_codes(path, proto, malformed=True).values())
            ok = sum(min(n, mine[proto][c]) for c, n in theirs.items())
            seen[proto] += sum(theirs.values())
            reported[proto] += sum(mine[proto].values())
            agreed[proto] += ok
            if args.verbose and (ok != sum(theirs.values()) or theirs != mine[proto]):
                diff = {c: (theirs[c], mine[proto][c]) for c in set(theirs) | set(mine[proto])
                        if theirs[c] != mine[proto][c]}
                print(f"  {proto} {os.path.relpath(path, args.dirs[0])}: "
                      f"code: (tshark, limen) {dict(sorted(diff.items()))}")
    status = 0
    print(f"{'protocol':10} {'tshark messages':>16} {'limen messages':>15} {'agree':>8} "
          f"{'agreement':>10} {'malformed for tshark (not compared)':>36}")
    for proto in PROTOCOLS:
        pct = 100.0 * agreed[proto] / seen[proto] if seen[proto] else 0.0
        print(f"{proto:10} {seen[proto]:16} {reported[proto]:15} {agreed[proto]:8} {pct:9.2f}% "
              f"{set_aside[proto]:36}")
        if seen[proto] == 0 or pct < args.min:
            status = 1
    if status:
        print(f"compare_with_tshark: agreement below {args.min}% (or no message) for a protocol")
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Renders `make bench`'s rows (JSON lines, bench/README.md) as one table.

Each row is a measurement of ours against a baseline measured in the same run; the ratio says
how many times better ours is (>1: ours is better, whichever direction is better for the unit).
Reads the rows from the file named on the command line; prints the table; exits 1 when a row is
malformed (a section that broke its contract must not pass unnoticed). Stdlib only.
"""
import json
import sys


def ratio(row):
    ours, base = row.get("ours"), row.get("baseline")
    if not isinstance(ours, (int, float)) or not isinstance(base, (int, float)) or ours == 0 or base == 0:
        return None
    return ours / base if row.get("better") == "higher" else base / ours


def goal_met(row):
    goal, ours = row.get("goal"), row.get("ours")
    if not goal or not isinstance(ours, (int, float)):
        return ""
    op, _, value = goal.partition(" ")
    try:
        value = float(value)
    except ValueError:
        return "?"
    ok = ours >= value if op == ">=" else ours <= value if op == "<=" else None
    return "" if ok is None else ("met" if ok else "NOT MET")


def number(v):
    if not isinstance(v, (int, float)):
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    rows, bad = [], []
    for n, line in enumerate(open(sys.argv[1]), 1):
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
            assert isinstance(row, dict) and row.get("section") and row.get("row") and "ours" in row
            assert row.get("better") in ("higher", "lower"), "better must be higher or lower"
        except (ValueError, AssertionError) as e:
            bad.append(f"line {n}: {e or 'not a row'}: {line[:120]}")
            continue
        rows.append(row)
    header = ("section", "row", "unit", "ours", "baseline", "vs", "ratio", "goal", "")
    table = [header]
    for r in rows:
        q = ratio(r)
        table.append((
            r["section"], r["row"], r.get("unit", ""), number(r.get("ours")), number(r.get("baseline")),
            (r.get("baseline_name") or "")[:28], f"{q:.1f}x" if q is not None else "-",
            r.get("goal") or "", goal_met(r),
        ))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    widths[1] = min(widths[1], 52)
    for i, row in enumerate(table):
        cells = [str(c)[:widths[k]].ljust(widths[k]) if k in (0, 1, 2, 5, 7, 8) else str(c).rjust(widths[k])
                 for k, c in enumerate(row)]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    notes = [(r["section"], r["row"], r["note"]) for r in rows if r.get("note")]
    if notes:
        print("\nnotes:")
        for section, row, note in notes:
            print(f"  {section} / {row}: {note}")
    print(f"\n{len(rows)} rows; ratio = how many times better ours is than the baseline measured in the same run")
    for b in bad:
        print(f"bench: malformed row, {b}", file=sys.stderr)
    sys.exit(1 if bad or not rows else 0)


if __name__ == "__main__":
    main()

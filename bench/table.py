"""The one table every benchmark prints: measure, ours, naive way / note."""
from __future__ import annotations


def print_table(rows: list[tuple[str, str, str]]) -> None:
    w = max(len(r[0]) for r in rows)
    v = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w}}  {'ours':>{v}}  naive / note")
    print("-" * (w + v + 40))
    for label, ours, note in rows:
        print(f"{label:<{w}}  {ours:>{v}}  {note}")

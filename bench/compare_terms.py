"""Our terms beside Lucene's for a word list, as a Markdown table.

Feed it the output of ``../shared/lucene/lucene_tokens.sh -e`` (one line a word: the word,
then Lucene's terms, TAB-separated; no TAB for a stop word):

    bash ../shared/lucene/lucene_tokens.sh -e < words.txt | python bench/compare_terms.py
"""

from __future__ import annotations

import sys

from searchkit import explain


def main() -> int:
    print("| word | Lucene | searchkit |\n|---|---|---|")
    for line in sys.stdin:
        word, *lucene = line.rstrip("\n").split("\t")
        ours = ["(stop)" if info.stop else str(info.stem) for info in explain(word)]
        print(f"| {word} | {' '.join(lucene) if lucene else '(stop)'} | "
              f"{' '.join(ours) if ours else '(none)'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

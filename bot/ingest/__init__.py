"""Policy ingestion: a school's policy document in, one structured policy file out.

    policy = ingest_file(Path("policy.pdf"), policy_id="oakfield")
    write_policy(policy, out_dir=Path("policy_text"))   # -> policy_text/oakfield.yaml

The same general rules handle every format and layout - no rule knows any particular document:

- `readers`: .txt/.md (pages at form feeds), .pdf (pypdf, page by page), .docx (docx2python, which
  keeps Word list numbering);
- `lines`: inline markup removed (`**bold**`, `[text](#)`, `<u>..</u>`, `<input/>`), bullets and
  numbers recognised (including private-use bullet glyphs from PDFs);
- `furniture`: page numbers, running headers/footers, repeated URL lines, contents lists, empty form
  fields, contact blocks and document-control lines removed;
- `segment`: hard-wrapped lines joined into units, using measured properties of the document itself
  when a line break is ambiguous;
- `structure`: headings, front matter, and each clause's ref and heading path. The ref scheme:
  `6.7` (printed clause number), `4.1(4)` (numbered item in a clause), `3.5(b11)` and `4.1(7)(b2)`
  (bullets under the clause or item they belong to), `4¶2` (second unnumbered paragraph of section
  4), `¶12` (a paragraph no number encloses) - see `bot.ingest.structure`;
- `metadata`: title, owner (school or trust) and the approved/effective/review dates as printed.

Each clause is tagged with topics from `intents/topics.yaml` (`bot.topics`), so curated intents cite
topics rather than the clause numbers of one document.
"""

from bot.ingest.pipeline import ingest_file, write_policy

__all__ = ["ingest_file", "write_policy"]

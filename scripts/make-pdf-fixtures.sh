#!/usr/bin/env bash
# Regenerates the PDF fixtures of pkg/extract (testdata/pdf/). The tests use
# only the committed files; this script records how each was made, so they can
# be remade or extended. Needs (Debian 12): poppler-utils, qpdf, ghostscript,
# groff, texlive-latex-base, libreoffice-writer-nogui, libtasn1-doc,
# shared-mime-info:
#
#   apt-get install -y --no-install-recommends poppler-utils qpdf ghostscript \
#       groff texlive-latex-base libreoffice-writer-nogui libtasn1-doc shared-mime-info
#   bash scripts/make-pdf-fixtures.sh
#
# Fixtures (producer in brackets):
#   libtasn1.pdf          Debian's libtasn1 manual, as shipped [texinfo + pdfTeX 1.40.24]
#   shared-mime-info.pdf  Debian's shared-mime-info spec, as shipped [DocBook → LaTeX + pdfTeX 1.40.22]
#   groff-ms.pdf          groff -ms -Tps | ps2pdf [GNU groff 1.22 + Ghostscript 10]
#   pdflatex.pdf          pdflatex of an article [pdfTeX, TeX Live 2022; T1 fonts without
#                         cm-super, so mktexpk makes bitmap fonts, embedded as Type 3]
#   libreoffice.pdf       soffice --convert-to pdf of an HTML document [LibreOffice 7.4 Writer]
#   cairo-multilingual.pdf  a multilingual LibreOffice PDF redrawn by pdftocairo -pdf
#                         [cairo 1.16: CID TrueType fonts, Identity-H, ToUnicode]
#   encrypted.pdf         groff-ms.pdf encrypted by qpdf, AES-256, user password "user"
#   truncated.pdf         the first 6000 bytes of libtasn1.pdf (damaged: no cross-reference data)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/pkg/extract/testdata/pdf
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# 1, 2. Debian's documentation PDFs, unchanged.
cp /usr/share/doc/libtasn1-doc/libtasn1.pdf "$OUT/libtasn1.pdf"
cp /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf "$OUT/shared-mime-info.pdf"

# 3. groff (ms macros) → PostScript → ps2pdf.
cat > "$WORK/doc.ms" <<'EOF'
.TL
Records Retention Policy
.AU
DocuVault Compliance Office
.AB
This policy states how long the company keeps invoices, contracts,
payroll records and correspondence, who may destroy them, and how
destruction is recorded.
.AE
.NH
Scope
.PP
The policy applies to every record created or received by the company,
whatever its medium: paper, scanned images, electronic documents and
electronic mail. Records held by contractors on the company's behalf are
included. Personal notes that are not shared with anyone else are not
records.
.NH
Retention periods
.PP
Each kind of record is kept for the period in the table below, counted
from the end of the financial year in which it was closed.
.TS
center box;
l l.
Record	Retention period
_
Invoices and receipts	ten years
Contracts	six years after expiry
Payroll records	seven years
Board minutes	permanently
Correspondence	three years
.TE
.PP
A record that is the subject of a dispute, an audit or a legal hold is
kept until the hold is released, even when its retention period has
ended.
.NH
Destruction
.PP
When a retention period ends, the record owner reviews the record and
either destroys it or extends its retention with a written reason.
Destruction must be irreversible: paper is shredded, electronic copies
are deleted from every system, including backups when they rotate.
.IP \(bu 3
The owner fills in the destruction log with the record's identifier,
its kind, the date and the method.
.IP \(bu 3
The compliance office checks the log every quarter.
.IP \(bu 3
Exceptions are approved by the head of the legal department.
.NH
Responsibilities
.PP
Department heads make sure that their staff know this policy. The
compliance office maintains the retention schedule, answers questions
about it and reports breaches to the board. Every employee must keep
records in the systems meant for them and must not destroy a record
before its retention period has ended.
.NH 2
Training
.PP
New employees receive training on records management during their first
month; all employees repeat it every two years.
.NH 2
Review
.PP
This policy is reviewed every year by the compliance office, and after
any change in the law that governs the retention of business records.
EOF
groff -t -ms -Tps "$WORK/doc.ms" > "$WORK/doc.ps"
ps2pdf "$WORK/doc.ps" "$OUT/groff-ms.pdf"

# 4. pdflatex. With fontenc T1 and no cm-super installed, mktexpk renders the
# EC fonts as bitmaps and pdfTeX embeds them as Type 3 fonts (a real case of
# fonts with no glyph names a reader can use for ligatures).
cat > "$WORK/article.tex" <<'EOF'
\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\title{Quarterly Maintenance Report for the Northern Warehouse}
\author{Facilities Engineering}
\date{March 2024}
\begin{document}
\maketitle
\section{Summary}
During the first quarter the maintenance team completed forty-two planned
inspections and eleven unplanned repairs. The refrigeration plant failed
once, on the fourteenth of February, and was restored within six hours;
no stock was lost.\footnote{The temperature log for that day is attached to
the incident record.} Energy consumption fell by eight percent compared with
the same quarter of the previous year, mostly because of the new lighting
controls.

\section{Inspections}
The loading dock doors, the sprinkler system and the fire alarms were
inspected as scheduled. Two dock levellers need new hydraulic seals; the
parts have been ordered and will be fitted in April.
\begin{itemize}
\item Roof drainage was cleared after the storm in January.
\item The forklift charging station received a new ventilation fan.
\item Emergency lighting passed its annual three-hour discharge test.
\end{itemize}

\section{Costs}
\begin{tabular}{lr}
Item & Cost (EUR) \\
\hline
Planned maintenance & 18\,400 \\
Unplanned repairs & 6\,250 \\
Spare parts & 3\,910 \\
\end{tabular}

The total of 28\,560 euros is within the quarterly budget. The efficiency
of the refrigeration plant is estimated as $\eta = Q_c / W \approx 2.7$,
slightly better than the manufacturer's figure.

\section{Next quarter}
The team will replace the roof insulation above the cold store, upgrade the
building management software and train two new technicians. Difficult
access to the mezzanine floor remains the main safety concern; a fixed
staircase is proposed.
\end{document}
EOF
(cd "$WORK" && pdflatex -interaction=nonstopmode article.tex > /dev/null)
cp "$WORK/article.pdf" "$OUT/pdflatex.pdf"

# 5. LibreOffice Writer, exporting an HTML document to PDF.
cat > "$WORK/minutes.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Board Meeting Minutes</title></head>
<body>
<h1>Board Meeting Minutes</h1>
<p>The board met on the twelfth of June in the main conference room. The
chair opened the meeting at ten o'clock and confirmed that a quorum was
present. Apologies were received from the treasurer, who sent her written
report in advance.</p>
<h2>Approval of the previous minutes</h2>
<p>The minutes of the meeting held in May were approved without changes.</p>
<h2>Financial report</h2>
<p>Revenue for the first five months reached 4.2 million euros, three percent
above the plan. Operating costs rose because of higher energy prices. The
board asked for a forecast of cash flow for the second half of the year.</p>
<table border="1">
<tr><th>Quarter</th><th>Revenue</th><th>Costs</th></tr>
<tr><td>First</td><td>2.4 million</td><td>1.9 million</td></tr>
<tr><td>Second (to date)</td><td>1.8 million</td><td>1.5 million</td></tr>
</table>
<h2>Office relocation</h2>
<p>The facilities manager presented three offers for new premises. The board
preferred the building near the railway station, subject to a survey of its
heating system, and authorised the managing director to negotiate a lease of
no more than ten years.</p>
<h2>Any other business</h2>
<p>The next meeting will take place on the eleventh of September. The chair
closed the meeting at half past twelve.</p>
</body></html>
EOF
(cd "$WORK" && soffice --headless --convert-to pdf:writer_web_pdf_Export minutes.html > /dev/null 2>&1)
cp "$WORK/minutes.pdf" "$OUT/libreoffice.pdf"

# 5b. cairo (Type 0 / CID fonts): a multilingual page exported by LibreOffice,
# then redrawn by poppler's pdftocairo, whose output is cairo's own PDF.
cat > "$WORK/intl.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head><body>
<h1>Multilingual notice</h1>
<p>English: the archive will be closed for maintenance on Saturday.</p>
<p>Deutsch: Das Archiv wird am Samstag wegen Wartungsarbeiten geschlossen. Größere Änderungen folgen.</p>
<p>Polski: Archiwum zostanie zamknięte w sobotę z powodu prac konserwacyjnych. Zażółć gęślą jaźń.</p>
<p>Ελληνικά: Το αρχείο θα παραμείνει κλειστό το Σάββατο για συντήρηση.</p>
<p>Русский: Архив будет закрыт в субботу на техническое обслуживание.</p>
<p>Čeština: Archiv bude v sobotu uzavřen z důvodu údržby. Příliš žluťoučký kůň.</p>
</body></html>
EOF
(cd "$WORK" && soffice --headless --convert-to pdf:writer_web_pdf_Export intl.html > /dev/null 2>&1)
pdftocairo -pdf "$WORK/intl.pdf" "$OUT/cairo-multilingual.pdf"

# 6. Encrypted (AES-256; opening needs the user password "user").
qpdf --encrypt user owner 256 -- "$OUT/groff-ms.pdf" "$OUT/encrypted.pdf"

# 7. Truncated: the start of a PDF 1.5 file whose cross-reference stream and
# object streams are at its end, so neither reader can rebuild it.
head -c 6000 "$OUT/libtasn1.pdf" > "$OUT/truncated.pdf"

ls -l "$OUT"

#!/usr/bin/env bash
# Rebuilds the extractor test fixtures in pkg/extract/testdata/ with real
# tools: LibreOffice (headless) converts hand-written flat OpenDocument
# sources to DOCX, ODT, RTF, HTML, XLSX, ODS, PPTX and ODP; LibreOffice's
# UNO API saves a password-protected ODT; the npm package officecrypto-tool
# (MIT) encrypts the DOCX as Office does (an OLE file with an
# EncryptedPackage stream); ImageMagick renders the OCR images.
#
#   scripts/make-extract-fixtures.sh          rebuild the fixtures
#
# The tests only read the committed fixtures: neither CI nor a developer
# needs these tools to run them. Installs (Debian, as root): LibreOffice
# Writer/Calc/Impress without GUI, python3-uno, ImageMagick, Node.js.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/pkg/extract/testdata"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say() { printf 'fixtures: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need() { # need COMMAND DEBIAN-PACKAGE...
  local cmd=$1; shift
  if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -e "$cmd" ]; then
    say "installing $*"
    as_root apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}
need soffice libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-dejavu-core
need /usr/lib/python3/dist-packages/uno.py python3-uno
need npm nodejs npm
if [ -x /usr/bin/convert ] && /usr/bin/convert -version 2>/dev/null | grep -q ImageMagick; then :; else
  need /usr/bin/identify imagemagick
fi
CONVERT=/usr/bin/convert

PROFILE="file://$WORK/profile"
soffice_to() { # soffice_to FORMAT SOURCE
  soffice --headless --norestore "-env:UserInstallation=$PROFILE" --convert-to "$1" --outdir "$WORK/out" "$2" >/dev/null 2>&1
}

# ------------------------------------------------------------ the sources
# The words the tests look for, in this order:
#   document:     Quarterly Report Alpha / quick brown fox / Café naïve résumé
#                 Zürich / Apples Oranges (a table) / bullet items Lemon, Mango /
#                 Omega closing paragraph
#   spreadsheet:  sheets Budget, Contacts, Notes (in that order) with their cells
#   presentation: 12 slides, "Slide N" and a planet name, Mercury … Haumea
cat >"$WORK/document.fodt" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:body>
  <office:text>
   <text:h text:outline-level="1">Quarterly Report Alpha</text:h>
   <text:p>The quick brown fox jumps over the lazy dog.</text:p>
   <text:p>Café naïve résumé in Zürich<text:tab/>tabbed<text:line-break/>second line</text:p>
   <table:table table:name="Figures">
    <table:table-column table:number-columns-repeated="2"/>
    <table:table-row>
     <table:table-cell><text:p>Apples</text:p></table:table-cell>
     <table:table-cell><text:p>Oranges</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell><text:p>Pears</text:p></table:table-cell>
     <table:table-cell><text:p>Plums</text:p></table:table-cell>
    </table:table-row>
   </table:table>
   <text:list>
    <text:list-item><text:p>Lemon item</text:p></text:list-item>
    <text:list-item><text:p>Mango item</text:p></text:list-item>
   </text:list>
   <text:p>Omega closing paragraph.</text:p>
  </office:text>
 </office:body>
</office:document>
EOF

cell_s() { printf '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' "$1"; }
cell_f() { printf '<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>' "$1" "$1"; }
row() { printf '<table:table-row>%s</table:table-row>\n' "$*"; }
{
  cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:body>
  <office:spreadsheet>
EOF
  echo '<table:table table:name="Budget">'
  row "$(cell_s Item)" "$(cell_s Amount)"
  row "$(cell_s Rent)" "$(cell_f 1200)"
  row "$(cell_s Coffee)" "$(cell_f 35.5)"
  echo '</table:table>'
  echo '<table:table table:name="Contacts">'
  row "$(cell_s Name)" "$(cell_s City)"
  row "$(cell_s Alice)" "$(cell_s Zürich)"
  row "$(cell_s Bob)" "$(cell_s Montréal)"
  echo '</table:table>'
  echo '<table:table table:name="Notes">'
  row "$(cell_s 'Remember the milk')"
  row "$(cell_s Rent)" "$(cell_s 'shared string again')"
  echo '</table:table>'
  cat <<'EOF'
  </office:spreadsheet>
 </office:body>
</office:document>
EOF
} >"$WORK/sheets.fods"

planets=(Mercury Venus Earth Mars Jupiter Saturn Uranus Neptune Pluto Ceres Eris Haumea)
{
  cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
  xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
  xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:body>
  <office:presentation>
EOF
  for i in "${!planets[@]}"; do
    n=$((i + 1))
    cat <<EOF
   <draw:page draw:name="page$n">
    <draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm">
     <draw:text-box><text:p>Slide $n</text:p></draw:text-box>
    </draw:frame>
    <draw:frame svg:x="2cm" svg:y="6cm" svg:width="20cm" svg:height="3cm">
     <draw:text-box><text:p>Planet ${planets[$i]}</text:p></draw:text-box>
    </draw:frame>
   </draw:page>
EOF
  done
  cat <<'EOF'
  </office:presentation>
 </office:body>
</office:document>
EOF
} >"$WORK/slides.fodp"

# ------------------------------------------------------------ conversions
mkdir -p "$WORK/out" "$OUT"
say "converting with $(soffice --version | head -1)"
soffice_to docx "$WORK/document.fodt"
soffice_to odt "$WORK/document.fodt"
soffice_to rtf "$WORK/document.fodt"
soffice_to html "$WORK/document.fodt"
soffice_to xlsx "$WORK/sheets.fods"
soffice_to ods "$WORK/sheets.fods"
soffice_to pptx "$WORK/slides.fodp"
soffice_to odp "$WORK/slides.fodp"
for f in document.docx document.odt document.rtf document.html sheets.xlsx sheets.ods slides.pptx slides.odp; do
  [ -s "$WORK/out/$f" ] || { say "error: LibreOffice did not write $f"; exit 1; }
  cp "$WORK/out/$f" "$OUT/$f"
done

say "saving a password-protected ODT through UNO"
cat >"$WORK/encrypt.py" <<'EOF'
import subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

src, dst, profile = sys.argv[1:4]
pipe = "docuvault_fixtures_%d" % time.time_ns()
office = subprocess.Popen(["soffice", "--headless", "--norestore", "-env:UserInstallation=" + profile,
                           "--accept=pipe,name=%s;urp;" % pipe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(150):
    try:
        remote = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        break
    except Exception:
        time.sleep(0.2)
else:
    office.kill()
    sys.exit("soffice did not accept the UNO connection")

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "writer8"), prop("Password", "secret")))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass  # the bridge closes as soffice exits
office.wait(timeout=60)
EOF
/usr/bin/python3 "$WORK/encrypt.py" "$WORK/document.fodt" "$OUT/encrypted.odt" "$PROFILE"
unzip -p "$OUT/encrypted.odt" META-INF/manifest.xml | grep -q encryption-data ||
  { say "error: encrypted.odt has no encryption data"; exit 1; }

say "encrypting the DOCX with officecrypto-tool"
mkdir -p "$WORK/node"
(cd "$WORK/node" && npm install --silent --no-audit --no-fund officecrypto-tool@0.0.19 >/dev/null)
cat >"$WORK/node/encrypt.js" <<'EOF'
const fs = require('fs');
const officeCrypto = require('officecrypto-tool');
// encrypt returns the file, or a promise of it in some versions.
Promise.resolve(officeCrypto.encrypt(fs.readFileSync(process.argv[2]), {password: 'secret'}))
  .then((out) => fs.writeFileSync(process.argv[3], out));
EOF
node "$WORK/node/encrypt.js" "$OUT/document.docx" "$OUT/encrypted.docx"

say "rendering the OCR images"
$CONVERT -size 600x120 xc:white -fill black -pointsize 48 -annotate +10+75 'Invoice 2025' -strip "$OUT/invoice.png"
$CONVERT "$OUT/invoice.png" -strip "$OUT/invoice.webp"

ls -l "$OUT"
say "done: $(du -sh "$OUT" | cut -f1) in $OUT"

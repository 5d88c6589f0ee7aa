package extract

import (
	"strings"
	"testing"
)

// TestEML: an e-mail's subject, sender, date, text body and attachment
// names; an HTML-only body's text; a Latin-1 message decoded.
func TestEML(t *testing.T) {
	multipart := "From: Alice Example <alice@example.org>\r\nTo: vault@example.org\r\nSubject: =?utf-8?q?Rechnung_M=C3=A4rz?=\r\n" +
		"Date: Mon, 02 Dec 2024 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: multipart/alternative; boundary=C\r\n\r\n" +
		"--C\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease pay the invoice.\r\n" +
		"--C\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Please <b>pay</b> the invoice.</p>\r\n--C--\r\n" +
		"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice-03.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" +
		"--B\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n"
	htmlOnly := "From: shop@example.com\r\nSubject: Your order\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{color:red}</style></head><body><p>Order <i>4711</i> shipped</p><script>x()</script></body></html>\r\n"
	latin1 := "From: bob@example.org\r\nSubject: =?iso-8859-1?q?Gr=FC=DFe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nS\xfc\xdfe Gr\xfc\xdfe\r\n"
	for _, tc := range []struct {
		name, data string
		want       []string
		not        []string
	}{
		{"multipart", multipart, []string{"Subject: Rechnung März\n", "From: Alice Example <alice@example.org>\n", "Date: 2024-12-02 10:00 +0100\n",
			"Please pay the invoice.", "Attachments:\ninvoice-03.pdf\nlogo.png"}, []string{"<b>", "JVBERi0", "Please pay the invoice.\nPlease"}},
		{"html only", htmlOnly, []string{"Subject: Your order\n", "From: shop@example.com\n", "Order 4711 shipped"}, []string{"color", "x()", "Attachments"}},
		{"latin-1", latin1, []string{"Subject: Grüße\n", "Süße Grüße"}, []string{"Date:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := extractData(t, ctEML, "m.eml", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if out.Method != "eml" {
				t.Errorf("method %q, want eml", out.Method)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, out.Text)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out.Text, n) {
					t.Errorf("text has %q:\n%s", n, out.Text)
				}
			}
		})
	}
}

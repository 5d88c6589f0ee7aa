package docdate

import (
	"strings"
	"testing"
	"time"
)

// now is the day the tests pretend it is.
var now = time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)

func TestFind(t *testing.T) {
	tests := []struct {
		name, lang, text string
		want             string // 2006-01-02, or "" for no date
	}{
		{"english letter, day month year", "english", `Acme Insurance Ltd
12 High Street, Leeds LS1 4AB

3 December 2026

Dear Ms Smith,
your policy 4471-22 renews on 1 January 2027. Please pay by 20 December 2026.
Yours sincerely`, "2026-12-03"},
		{"english letter, month day year", "english", `ACME Corp.
1200 Main St, Springfield, IL 62701

December 3, 2026

Dear Mr. Jones,
Thank you for your order of November 28, 2026.`, "2026-12-03"},
		{"english invoice, labelled date after a due date", "english", `INVOICE
Invoice no. 2026-0412
Due date: 02/01/2027
Invoice date: 12/03/2026
Bill to: John Doe`, "2026-12-03"},
		{"english, slash date month first", "english", `Statement
Period ending 11/30/2026
Total 42.10`, "2026-11-30"},
		{"english, slash date with a day over 12", "english", `Receipt 25/11/2026 card payment`, "2026-11-25"},
		{"english, date of issue after date of birth", "english", `PASSPORT RENEWAL
Date of birth: 14 March 1980
Date of issue: 2 October 2026`, "2026-10-02"},
		{"english, ordinal and abbreviation", "english", `Meeting notes, Dec. 1st, 2026: budget`, "2026-12-01"},
		{"english, day-month-year with dashes", "english", `TAX INVOICE  Ref 88/2
Invoice Date 03-Dec-2026  Terms 30 days`, "2026-12-03"},
		{"english, a month and a year alone are no date", "english", `Statement for December 2026`, ""},
		{"english, label on the line before", "english", `Invoice number   Invoice date   Due date
INV-88           03.12.2026     17.12.2026`, "2026-12-03"},
		{"german letter head", "german", `Finanzamt München
Deroystr. 18, 80335 München

München, den 3. Dezember 2026

Einkommensteuerbescheid 2025
Sehr geehrte Frau Müller,
bitte zahlen Sie bis zum 4. Januar 2027.`, "2026-12-03"},
		{"german invoice, Rechnungsdatum after Lieferdatum", "german", `Rechnung Nr. 2026-118
Lieferdatum: 28.11.2026
Rechnungsdatum: 01.12.2026
Fälligkeitsdatum: 15.12.2026`, "2026-12-01"},
		{"german, Rechnung vom", "german", `Stadtwerke Bonn
Ihre Rechnung vom 03.12.26 über 84,20 EUR`, "2026-12-03"},
		{"german, slash is day first", "german", `Kundennummer 4711
02/03/2026 Abschlag`, "2026-03-02"},
		{"german, Datum label", "german", `Arztpraxis Dr. Weber
Geburtsdatum: 01.02.1975
Datum: 30.11.2026
Attest`, "2026-11-30"},
		{"german, März", "german", `Kündigung zum 31. März 2026`, "2026-03-31"},
		{"french letter head", "french", `Caisse d'allocations familiales
75015 Paris

Paris, le 3 décembre 2026

Madame, Monsieur,
votre dossier du 12 octobre 2026 a été examiné.`, "2026-12-03"},
		{"french, 1er", "french", `Lyon, le 1er décembre 2026
Objet : résiliation`, "2026-12-01"},
		{"french invoice, date de facture after échéance", "french", `FACTURE N° F-2026-77
Date d'échéance : 31/12/2026
Date de facture : 03/12/2026`, "2026-12-03"},
		{"french, date d'émission", "french", `Avis d'imposition
Date d’émission : 05/08/2026`, "2026-08-05"},
		{"french, no accents from OCR", "french", `Marseille, le 9 decembre 2026`, "2026-12-09"},
		{"iso date", "simple", `Export 2026-12-03T10:15:00Z report`, "2026-12-03"},
		{"iso date with slashes", "english", `generated 2026/12/03`, "2026-12-03"},
		{"first date wins without a label", "german", `Kontoauszug 11/2026
Buchungen 02.11.2026 Miete 05.11.2026 Strom`, "2026-11-02"},

		{"no date", "english", `Dear friend, thank you for everything.`, ""},
		{"empty", "", ``, ""},
		{"impossible date", "german", `Datum: 31.02.2026`, ""},
		{"impossible date, then a real one", "german", `Datum: 30.02.2026 korrigiert 28.02.2026`, "2026-02-28"},
		{"before 1900", "english", `Founded 12 May 1850`, ""},
		{"far future", "english", `Valid until 31 December 2099`, ""},
		{"far future label, plausible date after", "english", `Date: 01.01.2090, 04.11.2026`, "2026-11-04"},
		{"a version is not a date", "english", `release 1.03.12.2026 build`, ""},
		{"a part number is not a date", "english", `part 12-03-2026-7 and 2026-12-031`, ""},
		{"a month word alone", "english", `in December we met; may 2026 be good`, ""},
		{"garbage", "english", "\x00\xff\xfe 12/34/5678 ../..// -- 99.99.9999 \u202e", ""},
		{"unknown script", "simple", `二〇二六年十二月三日 Москва`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FindAt(tt.text, tt.lang, now)
			if tt.want == "" {
				if ok {
					t.Fatalf("FindAt = %s, want no date", got.Format(time.DateOnly))
				}
				return
			}
			if !ok {
				t.Fatalf("FindAt found no date, want %s", tt.want)
			}
			if s := got.Format(time.DateOnly); s != tt.want {
				t.Fatalf("FindAt = %s, want %s", s, tt.want)
			}
			if got.Location() != time.UTC || got.Hour() != 0 {
				t.Fatalf("FindAt = %v, want midnight UTC", got)
			}
		})
	}
}

func TestFindTwoDigitYears(t *testing.T) {
	for text, want := range map[string]string{
		"Datum: 03.12.26": "2026-12-03",
		"Datum: 03.12.27": "2027-12-03", // within MaxAhead of now
		"Datum: 03.12.28": "1928-12-03",
		"Datum: 03.12.99": "1999-12-03",
		"Datum: 03.12.00": "2000-12-03",
	} {
		got, ok := FindAt(text, "german", now)
		if !ok || got.Format(time.DateOnly) != want {
			t.Errorf("FindAt(%q) = %s, %v; want %s", text, got.Format(time.DateOnly), ok, want)
		}
	}
}

// TestFindReadsTheHeadOnly: 10 MB of text costs no more than its head,
// and a date after HeadBytes is not read.
func TestFindReadsTheHeadOnly(t *testing.T) {
	big := strings.Repeat("Lorem ipsum dolor sit amet 12345 ", 10<<20/33)
	if _, ok := FindAt(big+"Date: 03.12.2026", "english", now); ok {
		t.Fatal("found a date after the head")
	}
	start := time.Now()
	got, ok := FindAt("Invoice date: 3 December 2026\n"+big, "english", now)
	if !ok || got.Format(time.DateOnly) != "2026-12-03" {
		t.Fatalf("FindAt = %s, %v; want 2026-12-03", got.Format(time.DateOnly), ok)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("FindAt took %v on 10 MB", d)
	}
	// A head cut inside a multi-byte letter.
	cut := strings.Repeat("é", HeadBytes) + " 3 décembre 2026"
	if _, ok := FindAt(cut, "french", now); ok {
		t.Fatal("found a date after the head")
	}
}

func TestFindUsesNow(t *testing.T) {
	if _, ok := Find("Date: 1 January 2000", "english"); !ok {
		t.Fatal("Find found no date in a plain one")
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{
		"Paris, le 3 décembre 2026", "München, den 3. Dezember 2026", "Invoice date: 12/03/2026",
		"2026-12-03", "03.12.26", "Date of issue: 2 October 2026", "Rechnungsdatum\n01.12.2026",
		"December 3, 2026", "31.02.2026", "1er décembre 2026", "\xff\xfe0.0.0", "",
	} {
		for _, lang := range []string{"english", "german", "french", "simple"} {
			f.Add(s, lang)
		}
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		got, ok := FindAt(text, lang, now)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("no date but %v", got)
			}
			return
		}
		if got.Year() < 1900 || got.After(now.Add(MaxAhead)) || got.Hour() != 0 || got.Location() != time.UTC {
			t.Fatalf("implausible date %v", got)
		}
	})
}

// BenchmarkFind is the worker's extra CPU per document for its date: a
// letter whose date is on its first line, in a long text.
func BenchmarkFind(b *testing.B) {
	text := "Paris, le 3 décembre 2026\n" + strings.Repeat("Madame, Monsieur, votre dossier 4471 est en cours. ", 2000)
	for b.Loop() {
		if _, ok := FindAt(text, "french", now); !ok {
			b.Fatal("no date")
		}
	}
}

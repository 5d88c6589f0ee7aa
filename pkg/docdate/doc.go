// Package docdate finds a document's own date in its text: the day a
// letter was written or an invoice, a notice or a statement was issued —
// not the day it was uploaded, and not a due date, a delivery date or a
// birthday printed in it.
//
// Find reads only the first part of a text (HeadBytes), in which letters
// and invoices carry their date, so its cost does not grow with the text.
// It knows the formats common in English, German and French: "3 December
// 2026", "December 3, 2026", "3. Dezember 2026", "3 décembre 2026",
// "1er décembre 2026", "03.12.2026", "03.12.26", ISO "2026-12-03", and
// "12/03/2026", whose order (month or day first) is the language's:
// English reads it month first, every other language day first, and a
// number over 12 settles it either way.
//
// The rule: a date right after a label that names the document's date
// ("Date:", "Datum:", "Rechnungsdatum", "Invoice date", "Date de facture",
// "Berlin, den …", "Paris, le …", "Rechnung vom …") wins; without one, the
// first plausible date does. A date is plausible when it exists in the
// calendar, is not before 1900 and not more than a year after now;
// labels of other dates ("Due date", "Lieferdatum", "Date d'échéance",
// "Geburtsdatum") make a date no label at all.
package docdate

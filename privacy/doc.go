// Package privacy is lead admin: search leads by phone number, open a
// lead with its contact history, export everything held about a number
// (GDPR Art. 15), and Forget — erase a lead's personal data irreversibly
// while its anonymous row keeps statistics true.
package privacy

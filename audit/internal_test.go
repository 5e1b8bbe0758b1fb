package audit

// CheckDetails exposes the detail rules to the external tests.
var CheckDetails = detailsMap

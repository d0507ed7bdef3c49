// Package actiontrail reads ActionTrail for the responder: which regions
// exist, and every event that matches a lookup attribute in one region and
// time window, page by page, with a record of how complete the read was.
// Nothing is silently skipped: a region whose read failed says so in its
// Coverage.
//
// Known gaps, for the forensics issue to close: regions are swept one at a
// time by the caller, throttles absorbed by the retry policy are not
// counted, and windows longer than the API's 90 days are cut to the last 90.
package actiontrail

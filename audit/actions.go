package audit

import (
	"slices"

	lp "github.com/leadprivacy/leadprivacy"
)

// The SDK's ChangeLog actions: the one vocabulary every service records
// with. Names are dotted, "object.what_happened", and never change once
// released, because checkpoints sign the events that carry them. The table
// in the package documentation says which ids and details each one carries.
const (
	// ActionBlockCreated: a number was put on the do-not-call list by hand
	// or through the API. ObjectID is the block entry, ProjectID its project
	// (zero for organisation-wide), Number the blocked number.
	ActionBlockCreated lp.Action = "block.created"
	// ActionBlockRemoved: a block entry was lifted (unblock).
	ActionBlockRemoved lp.Action = "block.removed"
	// ActionBlockExpiryChanged: a block entry's expiry was set, moved or cleared.
	ActionBlockExpiryChanged lp.Action = "block.expiry_changed"
	// ActionBlocksUploaded: a batch of a CSV of numbers was uploaded to the
	// do-not-call list. One event per batch with counts and the fingerprints
	// of the numbers it blocked (Entry.Numbers); no number in any other form.
	ActionBlocksUploaded lp.Action = "block.uploaded"
	// ActionBlockExpired: a block entry ran past its expiry and was removed by
	// the expiry sweep.
	ActionBlockExpired lp.Action = "block.expired"

	// ActionNumberSearched: a user searched lead admin for a number (a look at
	// lead data). Number is the number searched.
	ActionNumberSearched lp.Action = "number.searched"
	// ActionLeadViewed: a user opened a lead's data and contact history.
	ActionLeadViewed lp.Action = "lead.viewed"
	// ActionLeadForgotten: a lead was anonymised by Forget, or a batch of
	// leads by a retention purge (Entry.LeadIDs names them, ObjectID the
	// rule). Details are the erasure receipt's non-personal facts.
	ActionLeadForgotten lp.Action = "lead.forgotten"
	// ActionLeadDeleted: leads were deleted with their contact history by a
	// retention purge. One event per batch naming every lead (Entry.LeadIDs),
	// ObjectID the retention rule.
	ActionLeadDeleted lp.Action = "lead.deleted"
	// ActionNumberSuppressed: a forgotten number's fingerprint was added to
	// the suppression list, so it is never imported again.
	ActionNumberSuppressed lp.Action = "number.suppressed"
	// ActionNumberUnsuppressed: a suppression was lifted.
	ActionNumberUnsuppressed lp.Action = "number.unsuppressed"

	// ActionImportChecked: a lead import was checked against blocks and
	// suppressions. Counts only.
	ActionImportChecked lp.Action = "import.checked"
	// ActionLeadsImported: leads were created through the SDK, one event per
	// batch, with counts.
	ActionLeadsImported lp.Action = "lead.imported"
	// ActionLeadChanged: a lead's data was changed through the SDK. Details
	// say how many fields changed, never which values.
	ActionLeadChanged lp.Action = "lead.changed"

	// ActionRetentionRuleCreated: a retention rule was created.
	ActionRetentionRuleCreated lp.Action = "retention_rule.created"
	// ActionRetentionRuleUpdated: a retention rule was changed.
	ActionRetentionRuleUpdated lp.Action = "retention_rule.updated"
	// ActionRetentionRuleDeleted: a retention rule was deleted.
	ActionRetentionRuleDeleted lp.Action = "retention_rule.deleted"
	// ActionPurgeRun: a retention purge applied one rule. One event per rule
	// and run, ObjectID the rule, with the counts of that rule.
	ActionPurgeRun lp.Action = "purge.run"

	// ActionLeadExported: a user exported everything the organisation holds
	// about a number (a GDPR Art. 15 subject-access export): a look at
	// lead data. Number is the number exported.
	ActionLeadExported lp.Action = "lead.exported"
	// ActionLegalHoldSet: a lead was put under legal hold: neither Forget
	// nor retention erases it until the hold is lifted.
	ActionLegalHoldSet lp.Action = "lead.hold_set"
	// ActionLegalHoldLifted: a lead's legal hold was lifted.
	ActionLegalHoldLifted lp.Action = "lead.hold_lifted"
	// ActionProjectHoldSet: a whole project was put under legal hold:
	// neither Forget nor retention erases any of its leads until the hold
	// is lifted. ProjectID is the project.
	ActionProjectHoldSet lp.Action = "project.hold_set"
	// ActionProjectHoldLifted: a project's legal hold was lifted; leads
	// held on their own stay held.
	ActionProjectHoldLifted lp.Action = "project.hold_lifted"
	// ActionErasureCompleted: a host's external eraser confirmed that it
	// erased what a forgotten lead referenced outside the database (its
	// recordings, its CRM record); the pending erasure was deleted.
	// ObjectID is the pending erasure.
	ActionErasureCompleted lp.Action = "erasure.completed"
	// ActionRegistryLoaded: a national do-not-call registry was loaded
	// whole from the provider's file, as a new version. ObjectID is the
	// registry. Counts and the content hash, never numbers.
	ActionRegistryLoaded lp.Action = "registry.loaded"
	// ActionRegistryDeltaApplied: a provider's additions and removals made
	// the next version of a registry.
	ActionRegistryDeltaApplied lp.Action = "registry.delta_applied"
	// ActionRegistryDropped: a registry and every version of it were removed.
	ActionRegistryDropped lp.Action = "registry.dropped"
	// ActionAccessDenied: an actor was refused a call for lack of
	// permission. Details name the attempted action and the permission.
	ActionAccessDenied lp.Action = "access.denied"
)

// actions lists every action Record accepts, in documentation order.
var actions = []lp.Action{
	ActionBlockCreated, ActionBlockRemoved, ActionBlockExpiryChanged, ActionBlocksUploaded, ActionBlockExpired,
	ActionNumberSearched, ActionLeadViewed,
	ActionLeadForgotten, ActionLeadDeleted, ActionNumberSuppressed, ActionNumberUnsuppressed,
	ActionImportChecked, ActionLeadsImported, ActionLeadChanged,
	ActionRetentionRuleCreated, ActionRetentionRuleUpdated, ActionRetentionRuleDeleted, ActionPurgeRun,
	ActionLeadExported, ActionLegalHoldSet, ActionLegalHoldLifted, ActionProjectHoldSet, ActionProjectHoldLifted,
	ActionErasureCompleted,
	ActionRegistryLoaded, ActionRegistryDeltaApplied, ActionRegistryDropped,
	ActionAccessDenied,
}

// Actions returns every action of the taxonomy, so hosts can build filters
// and translations without copying the list.
func Actions() []lp.Action { return slices.Clone(actions) }

// Known reports whether a is an action of the taxonomy. Record rejects
// any other action.
func Known(a lp.Action) bool { return slices.Contains(actions, a) }

// leadAdminActions are the looks at lead data that AccessSummary counts.
var leadAdminActions = []lp.Action{ActionNumberSearched, ActionLeadViewed, ActionLeadExported}

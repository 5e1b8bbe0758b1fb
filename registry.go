package leadprivacy

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Registry is a national do-not-call registry an organisation screens its
// leads and calls against, such as the UK's TPS or Sweden's NIX-Telefon:
// a named list of numbers loaded whole or by delta from the provider's
// files, each load a new version. Its numbers are not stored as rows but as
// one compiled snapshot per version (see package blocklist), so a registry
// of 10⁷–10⁸ numbers loads in seconds and is checked in memory.
type Registry struct {
	OrgID uuid.UUID
	ID    uuid.UUID
	// Name identifies the registry in its organisation, a code such as
	// "tps" (see ValidCode). Verdicts and the ChangeLog name it.
	Name string
	// ProjectIDs scope the registry to these projects; empty means every
	// project of the organisation. No id is zero or listed twice.
	ProjectIDs []uuid.UUID
	// Version counts the loads: 1 for the first, one more for each full
	// load or delta since.
	Version int64
	// Count is how many numbers the current version holds.
	Count int64
	// Hash is the SHA-256 of the current version's snapshot, its content
	// hash: equal lists have equal hashes, and a snapshot whose bytes no
	// longer hash to it is corrupt.
	Hash [32]byte
	// Size is the length of the current version's snapshot in bytes.
	Size int64
	// LoadedBy is the user whose load or delta made the current version,
	// LoadedAt when.
	LoadedBy uuid.UUID
	LoadedAt time.Time
}

// AppliesTo reports whether the registry screens the numbers of project.
func (r Registry) AppliesTo(project uuid.UUID) bool {
	return len(r.ProjectIDs) == 0 || slices.Contains(r.ProjectIDs, project)
}

// Validate reports whether r can be stored.
func (r Registry) Validate() error {
	if err := validateKey("Registry", r.OrgID, r.ID); err != nil {
		return err
	}
	if err := ValidCode("Registry.Name", r.Name); err != nil {
		return err
	}
	seen := make(map[uuid.UUID]bool, len(r.ProjectIDs))
	for _, p := range r.ProjectIDs {
		if p == uuid.Nil {
			return invalid("Registry.ProjectIDs", "must not hold a zero id")
		}
		if seen[p] {
			return invalid("Registry.ProjectIDs", "project "+p.String()+" is listed twice")
		}
		seen[p] = true
	}
	switch {
	case r.Version < 1:
		return invalid("Registry.Version", "must be at least 1")
	case r.Count < 0:
		return invalid("Registry.Count", "must not be negative")
	case r.Size < 0:
		return invalid("Registry.Size", "must not be negative")
	case r.LoadedBy == uuid.Nil:
		return invalid("Registry.LoadedBy", "must not be zero")
	case r.LoadedAt.IsZero():
		return invalid("Registry.LoadedAt", "must be set")
	}
	return ValidTime("Registry.LoadedAt", r.LoadedAt)
}

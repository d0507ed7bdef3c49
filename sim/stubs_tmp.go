package sim

// Temporary stand-in so the package compiles while the trail store is
// written; trail.go replaces it.

type TrailStore struct{}

func NewTrailStore() *TrailStore { return &TrailStore{} }

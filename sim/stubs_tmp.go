package sim

// Temporary stand-ins so the package compiles while the front and the trail
// store are written; the file that defines the real types deletes this one.

type TrailStore struct{}

func NewTrailStore() *TrailStore { return &TrailStore{} }

type FaultSet struct{}

func NewFaultSet() *FaultSet { return &FaultSet{} }

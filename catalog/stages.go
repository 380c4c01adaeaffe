package catalog

// The stage rule for interventions: a programme for all stages is a programme for each
// stage, so stage:primary on interventions also finds the programmes whose stage is "all"
// (Triple P, Achievement for All, …), in filters and in the facet counts beside them, in
// the API and the web finder alike. stage:all finds only the programmes for all stages,
// and stage:!primary excludes them. Studies keep the plain rule: a study's stage is the
// stage it studied.

// forAllStages makes a stage field's early-years, primary and secondary values match the
// records whose stage is "all" too.
func forAllStages(spec fieldSpec) fieldSpec {
	spec.implies = map[string][]string{"early-years": {"all"}, "primary": {"all"}, "secondary": {"all"}}
	return spec
}

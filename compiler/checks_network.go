package compiler

// networkChecks are the checks of addresses, links, tables and rules.
//
// Configurations reach 100,000 guests: a check looks guests up through
// maps and indexes built once per host (Links, PrefixIndex), never scans
// guests, rules or routes once per guest, and allocates no more than a few
// small objects per guest.
var networkChecks = []*Check{
	ipInvalid,
	ipConflict,
	aliasTooLong,
	aliasConflict,
	vlanInvalid,
	vlanConflict,
	tableInvalid,
	gatewayUnreachable,
	ruleConflict,
	ruleUnused,
	routeMissing,
}

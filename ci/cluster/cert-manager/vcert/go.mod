// A stand-in for the Venafi SDK (github.com/Venafi/vcert/v5), which cert-manager links for its
// Venafi issuer: the module proxy refuses the version cert-manager v1.21 requires (v5.13.7), and
// the version it serves (v5.12.0) lacks packages cert-manager uses. It has the types and calls
// cert-manager names; every call fails, so a Venafi Issuer says it is not part of this build.
// The local cluster's issuers (selfSigned, ca) never touch it.
module github.com/Venafi/vcert/v5

go 1.24

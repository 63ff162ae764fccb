// Package verror stands in for the Venafi SDK's errors.
package verror

import "errors"

var ServerUnavailableError = errors.New("server unavailable")

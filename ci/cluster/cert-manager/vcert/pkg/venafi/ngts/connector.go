// Package ngts stands in for a Venafi SDK connector.
package ngts

import "github.com/Venafi/vcert/v5/pkg/endpoint"

type Connector struct{ endpoint.Stub }

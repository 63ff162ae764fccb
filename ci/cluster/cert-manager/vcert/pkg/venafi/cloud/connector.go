// Package cloud stands in for a Venafi SDK connector.
package cloud

import "github.com/Venafi/vcert/v5/pkg/endpoint"

type Connector struct{ endpoint.Stub }

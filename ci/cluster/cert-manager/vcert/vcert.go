// Package vcert stands in for the Venafi SDK, which this build of cert-manager does not include.
package vcert

import (
	"net/http"

	"github.com/Venafi/vcert/v5/pkg/endpoint"
)

type Config struct {
	ConnectorType   endpoint.ConnectorType
	BaseUrl         string
	Zone            string
	Credentials     *endpoint.Authentication
	ConnectionTrust string
	LogVerbose      bool
	Client          *http.Client
	UserAgent       *string
}

func NewClient(cfg *Config, authenticate ...bool) (endpoint.Connector, error) {
	return nil, endpoint.ErrNotBuilt
}

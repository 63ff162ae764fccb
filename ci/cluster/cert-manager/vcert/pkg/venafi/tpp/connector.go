// Package tpp stands in for the Venafi SDK's TPP connector.
package tpp

import (
	"github.com/Venafi/vcert/v5/pkg/certificate"
	"github.com/Venafi/vcert/v5/pkg/endpoint"
)

type Connector struct{ endpoint.Stub }

type OauthGetRefreshTokenResponse struct {
	Access_token  string //nolint:revive // the SDK's name
	Refresh_token string //nolint:revive // the SDK's name
}

type OauthVerifyTokenResponse struct{}

func (c *Connector) GetRefreshToken(*endpoint.Authentication) (OauthGetRefreshTokenResponse, error) {
	return OauthGetRefreshTokenResponse{}, endpoint.ErrNotBuilt
}

func (c *Connector) VerifyAccessToken(*endpoint.Authentication) (OauthVerifyTokenResponse, error) {
	return OauthVerifyTokenResponse{}, endpoint.ErrNotBuilt
}

func (c *Connector) ResetCertificate(*certificate.Request, bool) error { return endpoint.ErrNotBuilt }

type ErrCertNotFound struct{ error }

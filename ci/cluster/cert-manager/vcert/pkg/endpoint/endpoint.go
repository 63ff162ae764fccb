// Package endpoint stands in for the Venafi SDK's connector types.
package endpoint

import (
	"errors"

	"github.com/Venafi/vcert/v5/pkg/certificate"
)

// ErrNotBuilt is what every call of this stand-in returns.
var ErrNotBuilt = errors.New("the Venafi issuer is not part of this cert-manager build")

type ConnectorType int

const (
	ConnectorTypeUndefined ConnectorType = iota
	ConnectorTypeFake
	ConnectorTypeCloud
	ConnectorTypeTPP
	ConnectorTypeFirefly
	ConnectorTypeNGTS
)

type Authentication struct {
	User         string
	Password     string
	APIKey       string
	RefreshToken string
	Scope        string
	ClientId     string
	ClientSecret string
	AccessToken  string
	TokenURL     string
}

type ZoneConfiguration struct{}

func (z *ZoneConfiguration) UpdateCertificateRequest(*certificate.Request) {}

func (z *ZoneConfiguration) ValidateCertificateRequest(*certificate.Request) error {
	return ErrNotBuilt
}

type Connector interface {
	GetType() ConnectorType
	Ping() error
	ReadZoneConfiguration() (*ZoneConfiguration, error)
	RequestCertificate(req *certificate.Request) (string, error)
	RetrieveCertificate(req *certificate.Request) (*certificate.PEMCollection, error)
}

type ErrCertificatePending struct {
	CertificateID string
	Status        string
}

func (e ErrCertificatePending) Error() string { return "certificate pending: " + e.Status }

type ErrRetrieveCertificateTimeout struct{ CertificateID string }

func (e ErrRetrieveCertificateTimeout) Error() string { return "certificate retrieval timed out" }

// Stub is every connector of this stand-in: each call fails with ErrNotBuilt.
type Stub struct{ Type ConnectorType }

func (s *Stub) GetType() ConnectorType { return s.Type }

func (s *Stub) Ping() error { return ErrNotBuilt }

func (s *Stub) Authenticate(*Authentication) error { return ErrNotBuilt }

func (s *Stub) ReadZoneConfiguration() (*ZoneConfiguration, error) { return nil, ErrNotBuilt }

func (s *Stub) RequestCertificate(*certificate.Request) (string, error) { return "", ErrNotBuilt }

func (s *Stub) RetrieveCertificate(*certificate.Request) (*certificate.PEMCollection, error) {
	return nil, ErrNotBuilt
}

// Package fake stands in for the Venafi SDK's fake connector (cert-manager's tests import it).
package fake

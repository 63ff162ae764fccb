// Package util stands in for the Venafi SDK's helpers.
package util

const IssuerHintAllIssuers = ""

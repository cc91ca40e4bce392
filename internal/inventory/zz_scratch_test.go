package inventory

import (
	"fmt"
	"strings"
	"testing"
)

func TestZZScratch(t *testing.T) {
	for _, in := range []string{
		"[\n {\"name\":\"a\",\"asset_type\":\"x/Y\",\"resource\":{}},\n {\"name\":\"b\",\n  \"asset_type\" \"x/Y\"\n }\n]\n",
		"[\n {\"name\":\"a\",\"asset_type\":\"x/Y\",\"resource\":{}},\n {\"name\":\"b\",\n  \"asset_type\": \"x/Y\"\n",
		"{\n \"name\":\"a\",\"asset_type\":\"x/Y\",\"resource\":{}\n}\n{\n \"name\":\"b\",\n  \"asset_type\" \"x/Y\"\n }\n",
		"{\"name\":\"a\",\"asset_type\":\"x/Y\",\"resource\":{}}\n{\"name\":\"b\",\"asset_type\" \"x/Y\"}\n{\"name\":\"c\",\"asset_type\":\"x/Y\",\"resource\":{}}\n",
		"{\"name\":\"b\",\"asset_type\" \"x/Y\",\n{\"name\":\"c\",\"asset_type\":\"x/Y\",\"resource\":{}}\n",
		"[{\"name\":\"a\",\"asset_type\":\"x/Y\",\"resource\":{}}]\n[{\"name\":\"c\",\"asset_type\":\"x/Y\",\"resource\":{}}]\n",
		"{\"name\":\"a\",\"asset_type\":\"x/Y\",\"resource\":{}}\n[{\"name\":\"c\",\"asset_type\":\"x/Y\",\"resource\":{}}]\n",
	} {
		r := NewReader()
		r.Read("f", strings.NewReader(in))
		inv := r.Inventory()
		fmt.Println(inv.Summary())
		for _, p := range inv.Problems {
			fmt.Println("   ", p.Kind, p)
		}
		for _, a := range inv.Assets {
			fmt.Println("   asset", a.Name, a.Source)
		}
	}
}

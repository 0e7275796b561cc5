package api

import (
	"encoding/json"
	"slices"
	"testing"

	prob "gridmap/problem"
)

// TestProblemCodesDocumented checks /openapi.json lists exactly the codes
// a problem may carry.
func TestProblemCodesDocumented(t *testing.T) {
	t.Parallel()
	var doc struct {
		Components struct {
			Schemas struct {
				Problem struct {
					Required   []string `json:"required"`
					Properties struct {
						Code struct {
							Enum []string `json:"enum"`
						} `json:"code"`
					} `json:"properties"`
				} `json:"Problem"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Components.Schemas.Problem
	if got, want := slices.Sorted(slices.Values(p.Properties.Code.Enum)), slices.Sorted(slices.Values(prob.Codes())); !slices.Equal(got, want) {
		t.Errorf("openapi.json Problem code enum %v, want problem.Codes() %v", got, want)
	}
	if !slices.Contains(p.Required, "code") {
		t.Errorf("openapi.json Problem does not require code: %v", p.Required)
	}
}

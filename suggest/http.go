package suggest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"gridmap/adjust"
	"gridmap/geo"
	prob "gridmap/problem"
	"gridmap/store"
)

// ActorFunc gives the caller of a request (api's authenticated
// principal); false when the request has no valid token.
type ActorFunc func(*http.Request) (adjust.Actor, bool)

// Handler serves POST /villages/{code}/suggest-division: body
// {"target_households": 300, "tolerance": 0.15} (both optional), answer
// 201 with the draft proposal and the measured suggestion; 400 for a bad
// code or body, 401 without a token, 403 for a role other than planner
// or a village outside the token's area, 404 for an unknown village, 422
// for a village without comprehensive grids or without households.
func (s *Service) Handler(actor ActorFunc, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := actor(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gridmap"`)
			prob.Status(w, r, http.StatusUnauthorized, `this route needs a token: send "Authorization: Bearer <token>"`)
			return
		}
		v, err := geo.ParseCode(chi.URLParam(r, "code"))
		if err == nil && v.Level() != geo.LevelVillage {
			err = fmt.Errorf("%s is a %s code; want a village (12 digits)", v, v.Level())
		}
		if err != nil {
			prob.Invalid(w, r, map[string]string{"code": err.Error()})
			return
		}
		var p Params
		if ok := decodeParams(w, r, &p); !ok {
			return
		}
		if bad := p.Check(); len(bad) > 0 {
			prob.Invalid(w, r, bad)
			return
		}
		ans, err := s.Draft(r.Context(), a, v, p)
		if err != nil {
			fail(w, r, log, err)
			return
		}
		b, err := json.Marshal(ans)
		if err != nil {
			fail(w, r, log, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", fmt.Sprintf("/proposals/%d", ans.Proposal.ID))
		w.WriteHeader(http.StatusCreated)
		w.Write(append(b, '\n'))
	})
}

// decodeParams reads the optional JSON body (an empty body asks for the
// defaults), answering 400 or 415 itself.
func decodeParams(w http.ResponseWriter, r *http.Request, p *Params) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		prob.Status(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/json", ct))
		return false
	}
	var body struct {
		Target    *json.Number `json:"target_households"`
		Tolerance *float64     `json:"tolerance"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			prob.Status(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than the limit of %d bytes", tooBig.Limit))
		} else {
			prob.Status(w, r, http.StatusBadRequest, fmt.Sprintf("request body: %v; send {\"target_households\": 300, \"tolerance\": 0.15}", err))
		}
		return false
	}
	bad := map[string]string{}
	if body.Target != nil {
		n, err := body.Target.Int64()
		if err != nil || n < minTarget || n > maxTarget {
			bad["target_households"] = fmt.Sprintf("want a whole number of households from %d to %d (Art. 7: about 300 in a town), not %s", minTarget, maxTarget, body.Target.String())
		} else {
			p.Target = int(n)
		}
	}
	if body.Tolerance != nil {
		if t := *body.Tolerance; math.IsNaN(t) || t < minTolerance || t > maxTolerance {
			bad["tolerance"] = fmt.Sprintf("want a share of the target from %.2f to %.2f (0.15 is ±15%%), not %g", minTolerance, maxTolerance, t)
		} else {
			p.Tolerance = t
		}
	}
	if len(bad) > 0 {
		prob.Invalid(w, r, bad)
		return false
	}
	return true
}

// fail answers an error: adjust's refusals by kind, anything else 500.
func fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *adjust.Error
	if !errors.As(err, &e) {
		prob.Unexpected(w, r, log, err, store.Unreachable(err))
		return
	}
	status := http.StatusUnprocessableEntity
	switch e.Kind {
	case adjust.KindForbidden:
		status = http.StatusForbidden
	case adjust.KindNotFound:
		status = http.StatusNotFound
	case adjust.KindConflict, adjust.KindStale:
		status = http.StatusConflict
	}
	prob.Status(w, r, status, e.Msg)
}

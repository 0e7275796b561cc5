package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/geo"
	prob "gridmap/problem"
	"gridmap/web/i18n"
)

// proposalRoutes adds the boundary-adjustment routes (issue 6): proposals
// and their workflow, grid history and diffs. Every route needs a token;
// the engine decides what the token's role and area allow, and refusals
// map to 403 (role or area), 404, 409 (wrong status; stale base, with
// what changed), 422 (invalid operation; failing checks, with the
// located findings). Mount it inside the body-limited group of addRoutes:
//
//	proposalRoutes(r, log, adjust.New(st, ops.Options{}))
func proposalRoutes(r chi.Router, log *slog.Logger, e *adjust.Engine) {
	h := proposalHandlers{log: log, e: e}
	r.Method(http.MethodGet, "/proposals", h.auth(h.list))
	r.Method(http.MethodPost, "/proposals", h.auth(h.create))
	r.Method(http.MethodGet, "/proposals/{id}", h.auth(h.byID(http.StatusOK, e.Get)))
	r.Method(http.MethodPost, "/proposals/{id}/ops", h.auth(h.addOp))
	r.Method(http.MethodDelete, "/proposals/{id}/ops/{index}", h.auth(h.removeOp))
	r.Method(http.MethodGet, "/proposals/{id}/validate", h.auth(h.validate))
	r.Method(http.MethodPost, "/proposals/{id}/validate", h.auth(h.validate))
	r.Method(http.MethodGet, "/proposals/{id}/preview", h.auth(h.previewByID()))
	r.Method(http.MethodPost, "/proposals/{id}/submit", h.auth(h.byID(http.StatusOK, e.Submit)))
	r.Method(http.MethodPost, "/proposals/{id}/approve", h.auth(h.withNote(e.Approve)))
	r.Method(http.MethodPost, "/proposals/{id}/reject", h.auth(h.withNote(e.Reject)))
	r.Method(http.MethodPost, "/proposals/{id}/withdraw", h.auth(h.byID(http.StatusOK, e.Withdraw)))
	r.Method(http.MethodPost, "/proposals/{id}/apply", h.auth(h.apply))
	r.Method(http.MethodPost, "/proposals/{id}/cancel", h.auth(h.withNote(e.Cancel)))
	r.Method(http.MethodPost, "/proposals/{id}/file", h.auth(h.file))
	r.Method(http.MethodGet, "/proposals/{id}/filing", h.auth(h.filing))
	r.Method(http.MethodPost, "/proposals/{id}/rebase", h.auth(h.byID(http.StatusOK, e.Rebase)))
	r.Method(http.MethodPost, "/proposals/{id}/revert", h.auth(h.byID(http.StatusCreated, e.Revert)))
	r.Method(http.MethodGet, "/grids/{code}/history", h.auth(h.history))
	r.Method(http.MethodGet, "/areas/{code}/history", h.auth(h.areaHistory))
	r.Method(http.MethodGet, "/diff", h.auth(h.diff))
}

// previewByID answers the preview of a proposal.
func (h proposalHandlers) previewByID() func(http.ResponseWriter, *http.Request, adjust.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
		if n, ok := id(w, r); ok {
			p, err := h.e.Preview(r.Context(), a, n)
			h.reply(w, r, http.StatusOK, p, err)
		}
	}
}

// byID answers a route whose only input is the proposal id.
func (h proposalHandlers) byID(status int, call func(context.Context, adjust.Actor, int64) (adjust.Proposal, error)) func(http.ResponseWriter, *http.Request, adjust.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
		if n, ok := id(w, r); ok {
			p, err := call(r.Context(), a, n)
			h.reply(w, r, status, p, err)
		}
	}
}

// withNote answers a decision route: the proposal id and an optional note.
func (h proposalHandlers) withNote(call func(context.Context, adjust.Actor, int64, string) (adjust.Proposal, error)) func(http.ResponseWriter, *http.Request, adjust.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
		n, ok := id(w, r)
		if !ok {
			return
		}
		b, err := optional[noteBody](w, r)
		if err != nil {
			return
		}
		p, err := call(r.Context(), a, n, b.Note)
		h.reply(w, r, http.StatusOK, p, err)
	}
}

type proposalHandlers struct {
	log *slog.Logger
	e   *adjust.Engine
}

// auth runs fn with the request's actor, answering 401 without a token.
func (h proposalHandlers) auth(fn func(w http.ResponseWriter, r *http.Request, a adjust.Actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gridmap"`)
			problem(w, r, http.StatusUnauthorized, `this route needs a token: send "Authorization: Bearer <token>"`)
			return
		}
		fn(w, r, adjust.Actor{ID: p.Actor(), Role: p.Role.String(), Area: p.Area})
	})
}

// fail answers an engine error with the status its kind maps to.
func (h proposalHandlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBodyAnswered) {
		return
	}
	var ae *adjust.Error
	if !errors.As(err, &ae) {
		internalError(w, r, h.log, err)
		return
	}
	p := Problem{Detail: ae.Msg}
	switch ae.Kind {
	case adjust.KindInvalid:
		p.Status = http.StatusUnprocessableEntity
		// An operation that cannot be carried out says where (and what
		// the operations before it found), as failing checks do.
		if len(ae.Findings) > 0 {
			p.Extra = map[string]any{"findings": ae.Findings}
		}
	case adjust.KindForbidden:
		p.Status = http.StatusForbidden
	case adjust.KindNotFound:
		p.Status = http.StatusNotFound
	case adjust.KindConflict:
		p.Status = http.StatusConflict
	case adjust.KindStale:
		p.Status, p.Code = http.StatusConflict, prob.CodeStale
		p.Extra = map[string]any{"stale": ae.Stale}
	case adjust.KindChecks:
		p.Status, p.Code = http.StatusUnprocessableEntity, prob.CodeChecksFailed
		p.Extra = map[string]any{"findings": ae.Findings}
	default:
		internalError(w, r, h.log, err)
		return
	}
	writeProblem(w, r, p)
}

func (h proposalHandlers) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := encode(w, status, jsonType, v); err != nil {
		h.log.Warn("write response", "err", err)
	}
}

// id reads the {id} parameter, answering 400 when it is not a number.
func id(w http.ResponseWriter, r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || n <= 0 {
		invalid(w, r, map[string]string{"id": "a proposal id is a positive integer"})
		return 0, false
	}
	return n, true
}

// The request bodies.
type draftBody struct{ adjust.Draft }

func (b draftBody) Valid(context.Context) map[string]string { return nil } // the engine says what is wrong

type opBody struct{ ops.Op }

func (b opBody) Valid(context.Context) map[string]string {
	if b.Type == "" {
		return map[string]string{"type": "want create, split, merge, reshape, transfer, retire, rename or redraw"}
	}
	return nil
}

type noteBody struct {
	Note string `json:"note"`
}

func (b noteBody) Valid(context.Context) map[string]string {
	if len(b.Note) > 2000 {
		return map[string]string{"note": "at most 2000 characters"}
	}
	return nil
}

type applyBody struct {
	EffectiveAt *time.Time `json:"effective_at"`
}

func (b applyBody) Valid(context.Context) map[string]string { return nil }

type fileBody struct {
	FilingNo string `json:"filing_no"`
}

func (b fileBody) Valid(context.Context) map[string]string {
	if b.FilingNo == "" {
		return map[string]string{"filing_no": "the city's filing number is required"}
	}
	return nil
}

// optional decodes a body when there is one.
func optional[T Validator](w http.ResponseWriter, r *http.Request) (T, error) {
	var zero T
	if r.ContentLength == 0 {
		return zero, nil
	}
	return decode[T](w, r)
}

func (h proposalHandlers) list(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	ps, err := h.e.List(r.Context(), a, 100)
	if ps == nil {
		ps = []adjust.Proposal{}
	}
	h.reply(w, r, http.StatusOK, map[string]any{"proposals": ps}, err)
}

func (h proposalHandlers) create(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	b, err := decode[draftBody](w, r)
	if err != nil {
		return
	}
	p, err := h.e.Create(r.Context(), a, b.Draft)
	if err == nil {
		w.Header().Set("Location", fmt.Sprintf("/proposals/%d", p.ID))
	}
	h.reply(w, r, http.StatusCreated, p, err)
}

func (h proposalHandlers) addOp(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	n, ok := id(w, r)
	if !ok {
		return
	}
	b, err := decode[opBody](w, r)
	if err != nil {
		return
	}
	p, err := h.e.AddOp(r.Context(), a, n, b.Op)
	h.reply(w, r, http.StatusOK, p, err)
}

func (h proposalHandlers) removeOp(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	n, ok := id(w, r)
	if !ok {
		return
	}
	i, err := strconv.Atoi(chi.URLParam(r, "index"))
	if err != nil {
		invalid(w, r, map[string]string{"index": "the operation's index, from 0"})
		return
	}
	p, err := h.e.RemoveOp(r.Context(), a, n, i)
	h.reply(w, r, http.StatusOK, p, err)
}

func (h proposalHandlers) validate(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	if n, ok := id(w, r); ok {
		fs, err := h.e.Validate(r.Context(), a, n)
		if fs == nil {
			fs = []adjust.Finding{}
		}
		h.reply(w, r, http.StatusOK, map[string]any{"findings": fs, "ok": !adjust.Blocking(fs)}, err)
	}
}

func (h proposalHandlers) apply(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	n, ok := id(w, r)
	if !ok {
		return
	}
	b, err := optional[applyBody](w, r)
	if err != nil {
		return
	}
	var at time.Time
	if b.EffectiveAt != nil {
		at = *b.EffectiveAt
	}
	res, err := h.e.Apply(r.Context(), a, n, at)
	h.reply(w, r, http.StatusOK, res, err)
}

func (h proposalHandlers) file(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	n, ok := id(w, r)
	if !ok {
		return
	}
	b, err := decode[fileBody](w, r)
	if err != nil {
		return
	}
	p, err := h.e.File(r.Context(), a, n, b.FilingNo)
	h.reply(w, r, http.StatusOK, p, err)
}

// filing answers the filing record as JSON, as GeoJSON (format=geojson:
// the touched grids before, then after, with a "phase" property) or as a
// readable page with before/after maps (format=html).
func (h proposalHandlers) filing(w http.ResponseWriter, r *http.Request, a adjust.Actor) {
	n, ok := id(w, r)
	if !ok {
		return
	}
	raw, no, err := h.e.Filing(r.Context(), a, n)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		w.Header().Set("Content-Type", jsonType)
		w.Write(raw)
	case "geojson":
		rec, err := adjust.ReadFiling(raw)
		if err != nil {
			internalError(w, r, h.log, err)
			return
		}
		// Before and after in one collection, told apart by "phase".
		fc := geojson.NewFeatureCollection()
		for phase, src := range map[string]*geojson.FeatureCollection{"before": rec.Before, "after": rec.After} {
			if src == nil {
				continue
			}
			for _, f := range src.Features {
				g := geojson.NewFeature(f.Geometry)
				for k, v := range f.Properties {
					g.Properties[k] = v
				}
				g.Properties["phase"] = phase
				fc.Append(g)
			}
		}
		sort.SliceStable(fc.Features, func(i, j int) bool {
			return fmt.Sprint(fc.Features[i].Properties["phase"]) > fmt.Sprint(fc.Features[j].Properties["phase"])
		})
		if err := encode(w, http.StatusOK, geojsonType, fc); err != nil {
			h.log.Warn("write response", "err", err)
		}
	case "html":
		rec, err := adjust.ReadFiling(raw)
		if err != nil {
			internalError(w, r, h.log, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := adjust.WriteFilingHTML(w, i18n.FromRequest(r), rec, no); err != nil {
			h.log.Warn("write filing page", "err", err)
		}
	default:
		invalid(w, r, map[string]string{"format": "want json, geojson or html"})
	}
}

func (h proposalHandlers) history(w http.ResponseWriter, r *http.Request, _ adjust.Actor) {
	c, err := geo.ParseCode(chi.URLParam(r, "code"))
	if err != nil {
		invalid(w, r, map[string]string{"code": err.Error()})
		return
	}
	hist, err := h.e.History(r.Context(), c)
	h.reply(w, r, http.StatusOK, hist, err)
}

// areaHistory answers GET /areas/{code}/history: every version of a
// city, county, town or village outline.
func (h proposalHandlers) areaHistory(w http.ResponseWriter, r *http.Request, _ adjust.Actor) {
	c, err := geo.ParseCode(chi.URLParam(r, "code"))
	if err != nil {
		invalid(w, r, map[string]string{"code": err.Error()})
		return
	}
	if c.Level() > geo.LevelVillage {
		invalid(w, r, map[string]string{"code": fmt.Sprintf("%s is not an area code: want a city, county, town or village code (12 digits); grids have /grids/{code}/history", c)})
		return
	}
	hist, err := h.e.AreaHistory(r.Context(), c)
	h.reply(w, r, http.StatusOK, hist, err)
}

// diff answers GET /diff?from=&to=[&area=]; from and to are each a time
// (RFC 3339) or a dataset version number.
func (h proposalHandlers) diff(w http.ResponseWriter, r *http.Request, _ adjust.Actor) {
	q := r.URL.Query()
	var area geo.Code
	if s := q.Get("area"); s != "" {
		c, err := geo.ParseCode(s)
		if err != nil {
			invalid(w, r, map[string]string{"area": err.Error()})
			return
		}
		area = c
	}
	fv, ferr := strconv.ParseInt(q.Get("from"), 10, 64)
	tv, terr := strconv.ParseInt(q.Get("to"), 10, 64)
	if ferr == nil && terr == nil {
		d, err := h.e.DiffVersions(r.Context(), fv, tv, area)
		h.reply(w, r, http.StatusOK, d, err)
		return
	}
	bad := map[string]string{}
	ft, err := time.Parse(time.RFC3339, q.Get("from"))
	if err != nil {
		bad["from"] = "a time (RFC 3339, e.g. 2026-01-01T00:00:00Z) or, with to, a dataset version number"
	}
	tt, err := time.Parse(time.RFC3339, q.Get("to"))
	if err != nil {
		bad["to"] = "a time (RFC 3339) or, with from, a dataset version number"
	}
	if len(bad) > 0 {
		invalid(w, r, bad)
		return
	}
	d, err := h.e.Diff(r.Context(), ft, tt, area)
	h.reply(w, r, http.StatusOK, d, err)
}

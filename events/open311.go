package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	prob "gridmap/problem"
	"gridmap/store"
)

// The Open311 GeoReport v2 facade, so 12345-style clients and tools talk
// to the events as the specification writes them: services are the
// matters of the catalogs (service_code is a type's code), a request is
// an event, its status open (every status but closed and rejected) or
// closed. api_key is a gridd token (as in Authorization: Bearer), with
// the same rights as on POST /events. Errors are the specification's
// [{code, description}].

// Service311 is a service of GET /open311/v2/services.json.
type Service311 struct {
	ServiceCode string   `json:"service_code"`
	ServiceName string   `json:"service_name"`
	Description string   `json:"description"`
	Metadata    bool     `json:"metadata"`
	Type        string   `json:"type"`
	Keywords    []string `json:"keywords"`
	Group       string   `json:"group"`
}

// Request311 is a request of GET /open311/v2/requests/{id}.json.
type Request311 struct {
	ServiceRequestID  string    `json:"service_request_id"`
	Status            string    `json:"status"`
	StatusNotes       string    `json:"status_notes"`
	ServiceName       string    `json:"service_name"`
	ServiceCode       string    `json:"service_code"`
	Description       string    `json:"description"`
	AgencyResponsible string    `json:"agency_responsible"`
	ServiceNotice     string    `json:"service_notice"`
	RequestedDatetime time.Time `json:"requested_datetime"`
	UpdatedDatetime   time.Time `json:"updated_datetime"`
	ExpectedDatetime  time.Time `json:"expected_datetime"`
	Address           string    `json:"address"`
	AddressID         string    `json:"address_id"`
	Zipcode           string    `json:"zipcode"`
	Lat               float64   `json:"lat"`
	Long              float64   `json:"long"`
	MediaURL          string    `json:"media_url"`
}

// Created311 is the answer of POST /open311/v2/requests.json.
type Created311 struct {
	ServiceRequestID string `json:"service_request_id"`
	ServiceNotice    string `json:"service_notice"`
	AccountID        string `json:"account_id"`
}

// Error311 is an error as the specification writes it.
type Error311 struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

func write311(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fail311 answers err as the specification's error list.
func (h Handlers) fail311(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		status := http.StatusInternalServerError
		if store.Unreachable(err) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", strconv.Itoa(prob.RetryAfterDatabase))
		}
		h.log.Error("open311", "id", prob.RequestID(r.Context()), "path", r.URL.Path, "err", err)
		write311(w, status, []Error311{{status, fmt.Sprintf("internal error (request id %s)", prob.RequestID(r.Context()))}})
		return
	}
	status := e.status()
	if len(e.Fields) == 0 || e.Kind != KindBadRequest {
		write311(w, status, []Error311{{status, e.Error()}})
		return
	}
	var out []Error311
	for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
		out = append(out, Error311{status, name311(name) + ": " + e.Fields[name]})
	}
	write311(w, status, out)
}

// name311 is the specification's name of a field of a report.
func name311(field string) string {
	switch field {
	case "type":
		return "service_code"
	case "lon":
		return "long"
	}
	return field
}

// actor311 is the caller of an Open311 request: the token of api_key (a
// form or query parameter, as the specification passes it) or of the
// Authorization header.
func (h Handlers) actor311(ctx context.Context, r *http.Request) (Actor, error) {
	key := r.FormValue("api_key")
	if key == "" {
		if a, ok := h.actor(r); ok {
			a.RequestID = prob.RequestID(ctx)
			return a, nil
		}
		return Actor{}, &Error{Kind: KindForbidden, Msg: "api_key: give a gridd token (gridd token create) as api_key"}
	}
	t, err := h.s.st.TokenBySecret(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Actor{}, refuse(KindForbidden, "api_key: the token is not known")
	case err != nil:
		return Actor{}, err
	case t.Revoked():
		return Actor{}, refuse(KindForbidden, "api_key: token %d was revoked", t.ID)
	}
	return Actor{ID: fmt.Sprintf("token:%d", t.ID), Role: t.Role, Area: t.Area, Worker: t.Worker, Department: t.Department,
		RequestID: prob.RequestID(ctx)}, nil
}

// Services311 serves GET /open311/v2/services.json[?jurisdiction_id=
// COUNTY]: the matters of the county's list, or of every county's (by
// code, once each) without one. Public.
func (h Handlers) Services311() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		county := r.URL.Query().Get("jurisdiction_id")
		if county != "" {
			c, err := ParseCounty(county)
			if err != nil {
				h.fail311(w, r, badField("jurisdiction_id", "%v", err))
				return
			}
			county = c
		}
		ts, err := h.s.Types(r.Context(), county)
		if err != nil {
			h.fail311(w, r, err)
			return
		}
		if county != "" && len(ts) == 0 {
			h.fail311(w, r, refuse(KindNotFound, "jurisdiction_id %s: the county publishes no list of matters", county))
			return
		}
		seen := map[string]bool{}
		out := []Service311{}
		for _, t := range ts {
			if seen[t.Code] {
				continue
			}
			seen[t.Code] = true
			out = append(out, Service311{ServiceCode: t.Code, ServiceName: t.Name, Description: t.Description,
				Type: "realtime", Keywords: []string{t.Category}, Group: t.Category})
		}
		write311(w, http.StatusOK, out)
	})
}

// CreateRequest311 serves POST /open311/v2/requests.json (form-encoded):
// service_code, lat, long, description (required here), and optionally
// attribute[urgent]=true, first_name, last_name and phone (sealed, never
// shown). Answers 201 with [{service_request_id, service_notice,
// account_id}].
func (h Handlers) CreateRequest311() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			write311(w, http.StatusUnsupportedMediaType, []Error311{{http.StatusUnsupportedMediaType,
				fmt.Sprintf("content type %q: send application/x-www-form-urlencoded", ct)}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				h.fail311(w, r, refuse(KindTooLarge, "the request is larger than %d bytes (send photos with POST /events)", tooBig.Limit))
				return
			}
			h.fail311(w, r, refuse(KindBadRequest, "the form cannot be read: %v", err))
			return
		}
		a, err := h.actor311(r.Context(), r)
		if err != nil {
			h.fail311(w, r, err)
			return
		}
		rep, err := report311(r, h.s.now())
		if err != nil {
			h.fail311(w, r, err)
			return
		}
		ev, err := h.s.Report(r.Context(), a, rep)
		if err != nil {
			h.fail311(w, r, err)
			return
		}
		notice := fmt.Sprintf("tied to grid %s; due %s", ev.GridCode, ev.DueAt.In(cst).Format(time.RFC3339))
		write311(w, http.StatusCreated, []Created311{{ServiceRequestID: strconv.FormatInt(ev.ID, 10), ServiceNotice: notice}})
	})
}

// report311 reads the form of a request as a report.
func report311(r *http.Request, now time.Time) (Report, error) {
	bad := map[string]string{}
	coord := func(name string) *float64 {
		v := strings.TrimSpace(r.PostForm.Get(name))
		if v == "" {
			bad[name] = "give the " + map[string]string{"lat": "latitude", "long": "longitude"}[name] + " (WGS 84 degrees)"
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			bad[name] = fmt.Sprintf("%.30q is not a number", v)
			return nil
		}
		return &f
	}
	rep := Report{Type: r.PostForm.Get("service_code"), Description: r.PostForm.Get("description"),
		Lat: coord("lat"), Lon: coord("long")}
	switch u := r.PostForm.Get("attribute[urgent]"); u {
	case "", "false":
	case "true":
		rep.Urgent = true
	default:
		bad["attribute[urgent]"] = "want true or false"
	}
	rep.name = strings.TrimSpace(r.PostForm.Get("first_name") + " " + r.PostForm.Get("last_name"))
	rep.phone = r.PostForm.Get("phone")
	if len(rep.name) > 100 || len(rep.phone) > 30 {
		bad["first_name"] = "name or phone too long"
	}
	err := rep.check(now)
	var e *Error
	if errors.As(err, &e) {
		for k, v := range e.Fields {
			if _, ok := bad[name311(k)]; !ok && !(rep.Lat == nil && k == "lat") && !(rep.Lon == nil && k == "lon") {
				bad[name311(k)] = v
			}
		}
	} else if err != nil {
		return Report{}, err
	}
	if err := badFields(bad); err != nil {
		return Report{}, err
	}
	return rep, nil
}

var cst = time.FixedZone("CST", 8*3600)

// Request311 serves GET /open311/v2/requests/{id}.json (route
// /open311/v2/requests/{file}): the request as a
// one-element list, to whoever may read the event (api_key or bearer).
func (h Handlers) Request311() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutSuffix(chi.URLParam(r, "file"), ".json")
		id, err := strconv.ParseInt(raw, 10, 64)
		if !ok || err != nil || id < 1 {
			h.fail311(w, r, badField("service_request_id", "want the id, a whole number from 1, and .json (the one format served): /requests/12.json"))
			return
		}
		a, err := h.actor311(r.Context(), r)
		if err != nil {
			h.fail311(w, r, err)
			return
		}
		ev, err := h.s.Get(r.Context(), a, id)
		if err != nil {
			h.fail311(w, r, err)
			return
		}
		write311(w, http.StatusOK, []Request311{toRequest311(ev)})
	})
}

func toRequest311(ev *Event) Request311 {
	status, notes := "open", ev.Status
	if !Open(ev.Status) {
		status = "closed"
	}
	if n := len(ev.History); n > 0 && ev.History[n-1].Note != "" {
		notes += ": " + ev.History[n-1].Note
	}
	out := Request311{ServiceRequestID: strconv.FormatInt(ev.ID, 10), Status: status, StatusNotes: notes,
		ServiceName: ev.TypeName, ServiceCode: ev.Type, Description: ev.Description,
		RequestedDatetime: ev.ReportedAt, UpdatedDatetime: ev.UpdatedAt, ExpectedDatetime: ev.DueAt,
		Lat: ev.Lat, Long: ev.Lon}
	if ev.Department != nil {
		out.AgencyResponsible = *ev.Department
	}
	if ev.Overdue {
		out.ServiceNotice = "overdue"
	}
	return out
}

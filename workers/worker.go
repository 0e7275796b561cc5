package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridmap/geo"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store"
)

// Worker is a grid worker as reads show them: the ID number and phone
// masked, the age instead of the birth date (the mask hides exactly the
// birth date).
type Worker struct {
	ID              int64     `json:"id"`
	Town            geo.Code  `json:"town"`
	Name            string    `json:"name"`
	IDNumber        string    `json:"id_number"`
	Phone           string    `json:"phone"`
	Age             int       `json:"age"`
	CommitteeMember bool      `json:"committee_member"`
	CreatedAt       time.Time `json:"created_at"`
}

// Training is one training of a worker (Art. 43).
type Training struct {
	On     string `json:"on"`
	Course string `json:"course"`
}

// Review is the yearly review of a worker (Art. 17).
type Review struct {
	Year   int  `json:"year"`
	Passed bool `json:"passed"`
}

// File is a worker's file (Art. 23): the worker, appointments, seat
// operator posts, trainings and reviews.
type File struct {
	Worker
	Appointments []Appointment `json:"appointments"`
	Seats        []Seat        `json:"seats"`
	Trainings    []Training    `json:"trainings"`
	Reviews      []Review      `json:"reviews"`
	// MustLeave names the failed review years that oblige a full-time
	// worker to leave (Art. 17), when there are.
	MustLeave string `json:"must_leave,omitempty"`
}

// NewWorker is the body of POST /workers.
type NewWorker struct {
	Name            string `json:"name"`
	IDNumber        string `json:"id_number"`
	Phone           string `json:"phone"`
	TrainedOn       string `json:"trained_on,omitempty"`
	CommitteeMember bool   `json:"committee_member"`
	// Town is the town (street) that manages the worker; an operator's
	// own town when left out.
	Town string `json:"town,omitempty"`
}

// PreServiceCourse names the training given with a new worker.
const PreServiceCourse = "pre-service"

// CreateWorker opens a worker's file. The ID number and phone are sealed;
// an ID number already on file is a conflict.
func (s *Service) CreateWorker(ctx context.Context, a Actor, nw NewWorker) (File, error) {
	if err := s.needKey(); err != nil {
		return File{}, err
	}
	town, err := s.townOf(a, nw.Town)
	if err != nil {
		return File{}, err
	}
	if !a.mayManage(town) {
		return File{}, refuse(KindForbidden, "managing the workers of town %s needs an operator or admin token for it; token is %s for %s", town.Short(), a.Role, scopeText(a.Area))
	}
	name, err := records.ParseName(nw.Name)
	if err != nil {
		return File{}, badField("name", "%v", err)
	}
	id, err := records.ParseIDNumber(nw.IDNumber, s.today())
	if err != nil {
		return File{}, badField("id_number", "%v", err)
	}
	phone, err := records.ParsePhone(nw.Phone)
	if err != nil {
		return File{}, badField("phone", "%v", err)
	}
	var trained time.Time
	if nw.TrainedOn != "" {
		if trained, err = ParseDate("trained_on", nw.TrainedOn); err != nil {
			return File{}, err
		}
		if trained.After(s.today()) {
			return File{}, badField("trained_on", "%s is in the future", nw.TrainedOn)
		}
	}
	var wid int64
	err = pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		var created time.Time
		err := tx.QueryRow(ctx, insertWorkerSQL, string(town), name,
			s.key.Seal(pii.FieldIDNumber, id.Clear()), s.key.Hash(pii.FieldIDNumber, id.Clear()),
			s.key.Seal(pii.FieldPhone, phone), s.key.Hash(pii.FieldPhone, phone),
			id.BirthDate(), nw.CommitteeMember).Scan(&wid, &created)
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && pgErr.ConstraintName == "worker_id_number_once":
			return refuse(KindConflict, "a worker with this ID number is already on file")
		case errors.As(err, &pgErr) && pgErr.Code == "23503":
			return badField("town", "town %s does not exist", town.Short())
		case err != nil:
			return fmt.Errorf("create worker: %w", err)
		}
		if !trained.IsZero() {
			if _, err := tx.Exec(ctx, insertTrainingSQL, wid, trained, PreServiceCourse); err != nil {
				return fmt.Errorf("create worker: training: %w", err)
			}
		}
		f, err := s.file(ctx, tx, wid)
		if err != nil {
			return err
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "worker.create", Target: workerTarget(wid), After: f.Worker, RequestID: a.RequestID})
	})
	if err != nil {
		return File{}, err
	}
	return s.file(ctx, s.st.Pool(), wid)
}

func workerTarget(id int64) string { return "worker/" + strconv.FormatInt(id, 10) }

func scopeText(area geo.Code) string {
	if area == "" {
		return "the whole city"
	}
	return area.Short()
}

// townOf is the town a new worker belongs to: the one given, else the
// operator's own town.
func (s *Service) townOf(a Actor, given string) (geo.Code, error) {
	if given == "" {
		if a.Area.Level() == geo.LevelTown {
			return a.Area, nil
		}
		return "", badField("town", "give the town (9 or 12 digits) that manages the worker")
	}
	c, err := geo.ParseCode(given)
	if err != nil || c.Level() != geo.LevelTown {
		return "", badField("town", "%q is not a town code (9 digits, or 12 ending in 000)", given)
	}
	return c, nil
}

// File returns a worker's file.
func (s *Service) File(ctx context.Context, a Actor, id int64) (File, error) {
	if err := s.needKey(); err != nil {
		return File{}, err
	}
	f, err := s.file(ctx, s.st.Pool(), id)
	if err != nil {
		return File{}, err
	}
	if !a.mayManage(f.Town) {
		return File{}, refuse(KindForbidden, "reading the file of a worker of town %s needs an operator or admin token for it", f.Town.Short())
	}
	return f, nil
}

// workerRow is a worker as stored.
type workerRow struct {
	id              int64
	town            geo.Code
	name            string
	idSealed        []byte
	phoneSealed     []byte
	birth           time.Time
	committeeMember bool
	created         time.Time
}

func scanWorker(row pgx.Row) (workerRow, error) {
	var w workerRow
	var town string
	err := row.Scan(&w.id, &town, &w.name, &w.idSealed, &w.phoneSealed, &w.birth, &w.committeeMember, &w.created)
	w.town = geo.Code(town)
	return w, err
}

func (s *Service) worker(ctx context.Context, q store.Querier, sql string, id int64) (workerRow, error) {
	w, err := scanWorker(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return w, refuse(KindNotFound, "worker %d does not exist", id)
	}
	if err != nil {
		return w, fmt.Errorf("read worker %d: %w", id, err)
	}
	return w, nil
}

func (s *Service) file(ctx context.Context, q store.Querier, id int64) (File, error) {
	w, err := s.worker(ctx, q, workerSQL, id)
	if err != nil {
		return File{}, err
	}
	idNumber, err := s.key.Open(pii.FieldIDNumber, w.idSealed)
	if err != nil {
		return File{}, fmt.Errorf("worker %d: ID number: %w", id, err)
	}
	phone, err := s.key.Open(pii.FieldPhone, w.phoneSealed)
	if err != nil {
		return File{}, fmt.Errorf("worker %d: phone: %w", id, err)
	}
	f := File{Worker: Worker{ID: w.id, Town: w.town, Name: w.name, IDNumber: pii.MaskIDNumber(idNumber),
		Phone: pii.MaskPhone(phone), Age: Age(w.birth, s.today()), CommitteeMember: w.committeeMember, CreatedAt: w.created},
		Appointments: []Appointment{}, Seats: []Seat{}, Trainings: []Training{}, Reviews: []Review{}}
	if f.Appointments, err = s.appointments(ctx, q, workerAppointmentsSQL, id); err != nil {
		return File{}, err
	}
	if f.Seats, err = s.seats(ctx, q, workerSeatsSQL, id); err != nil {
		return File{}, err
	}
	rows, _ := q.Query(ctx, trainingsSQL, id)
	var on time.Time
	var course string
	if _, err := pgx.ForEachRow(rows, []any{&on, &course}, func() error {
		f.Trainings = append(f.Trainings, Training{On: on.Format(time.DateOnly), Course: course})
		return nil
	}); err != nil {
		return File{}, fmt.Errorf("worker %d: trainings: %w", id, err)
	}
	rows, _ = q.Query(ctx, reviewsSQL, id)
	var r Review
	var failed []int
	if _, err := pgx.ForEachRow(rows, []any{&r.Year, &r.Passed}, func() error {
		f.Reviews = append(f.Reviews, r)
		if !r.Passed {
			failed = append(failed, r.Year)
		}
		return nil
	}); err != nil {
		return File{}, fmt.Errorf("worker %d: reviews: %w", id, err)
	}
	if y, ok := TwoFailedYears(failed); ok {
		f.MustLeave = fmt.Sprintf("Art. 17: failed the reviews of %d and %d in a row", y-1, y)
	}
	return f, nil
}

// AddReview records a worker's review of a year (Art. 17). A year already
// reviewed is a conflict.
func (s *Service) AddReview(ctx context.Context, a Actor, id int64, year int, passed bool) (Review, error) {
	if year < 1990 || year > s.today().Year() {
		return Review{}, badField("year", "%d is not a year that can have been reviewed (1990 to %d)", year, s.today().Year())
	}
	rev := Review{Year: year, Passed: passed}
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		w, err := s.worker(ctx, tx, workerForUpdateSQL, id)
		if err != nil {
			return err
		}
		if !a.mayManage(w.town) {
			return refuse(KindForbidden, "reviewing a worker of town %s needs an operator or admin token for it", w.town.Short())
		}
		_, err = tx.Exec(ctx, insertReviewSQL, id, year, passed)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return refuse(KindConflict, "worker %d already has a review for %d", id, year)
		}
		if err != nil {
			return fmt.Errorf("review worker %d: %w", id, err)
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "worker.review", Target: workerTarget(id), After: rev, RequestID: a.RequestID})
	})
	return rev, err
}

// AddTraining records a training of a worker (Art. 43).
func (s *Service) AddTraining(ctx context.Context, a Actor, id int64, on, course string) (Training, error) {
	day, err := ParseDate("on", on)
	if err != nil {
		return Training{}, err
	}
	if day.After(s.today()) {
		return Training{}, badField("on", "%s is in the future", on)
	}
	if len(course) > 200 {
		return Training{}, badField("course", "is %d bytes long; at most 200", len(course))
	}
	tr := Training{On: day.Format(time.DateOnly), Course: course}
	err = pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		w, err := s.worker(ctx, tx, workerForUpdateSQL, id)
		if err != nil {
			return err
		}
		if !a.mayManage(w.town) {
			return refuse(KindForbidden, "recording a training of a worker of town %s needs an operator or admin token for it", w.town.Short())
		}
		if _, err := tx.Exec(ctx, insertTrainingSQL, id, day, course); err != nil {
			return fmt.Errorf("training of worker %d: %w", id, err)
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "worker.training", Target: workerTarget(id), After: tr, RequestID: a.RequestID})
	})
	return tr, err
}

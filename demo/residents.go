package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"gridmap/pii"
	"gridmap/records"
)

// The residents (实有人口) of the demo city: every member of every
// household (household.persons), at the household's address and house,
// with a valid ID number (records.MakeIDNumber: the county's region code
// for most, another county's for the floating population), a plausible
// name and phone. Name, ID number and phone exist in clear only in this
// process: they are sealed and hashed with the data key (package pii) in
// parallel workers, which encode the rows for a binary COPY straight into
// resident, so no clear value is ever sent to the database.

// demoHousehold is what the residents of one household need.
type demoHousehold struct {
	id, address, house int64
	persons            int32
	county             string // 6-digit region code
}

// person is one resident in clear, between the generator and the sealer.
type person struct {
	h                     *demoHousehold
	name, idNumber, phone string
	sex                   records.Sex
	birth                 time.Time
	floating              bool
}

// residentsChunk is how many households one COPY takes: a statement
// each, so the statement-level triggers of resident see a few hundred
// thousand rows at a time.
const residentsChunk = 250_000

var (
	surnames    = []rune("王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛严顾戴季缪单")
	maleGiven   = []rune("伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林东晨峰建国文志海成亮")
	femaleGiven = []rune("芳娜敏静丽艳娟霞秀玲桂英梅琳燕雪婷慧莉倩颖欣悦晶红兰萍洁月佳琴云")
	// regions the floating population's ID numbers were issued in
	floatingRegions = []string{"341221", "341222", "341282", "320321", "321323", "320826", "411522", "510322",
		"340822", "321283", "372928", "320381", "130434", "420982", "360731"}
	phonePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
		"152", "157", "158", "159", "177", "180", "181", "182", "187", "188", "189", "199"}
)

// people draws the residents of households, deterministically in
// household order. It keeps the ID numbers unique: the sequence of a
// region, birth date and sex only grows.
type people struct {
	rng *rand.Rand
	on  time.Time // ages are counted to this day
	seq map[idSlot]int
}

type idSlot struct {
	region string
	birth  time.Time
	female bool
}

func newPeople(seed int64, on time.Time) *people {
	return &people{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), on: on, seq: map[idSlot]int{}}
}

// household appends the members of h to out.
func (p *people) household(h *demoHousehold, out []person) ([]person, error) {
	r := p.rng
	region, floating := h.county, r.IntN(100) < 12
	if floating {
		region = floatingRegions[r.IntN(len(floatingRegions))]
	}
	surname := surnames[r.IntN(len(surnames))]
	head := 25 + r.IntN(56)
	headFemale := r.IntN(4) == 0
	for i := range int(h.persons) {
		age, female, sur := head, headFemale, surname
		switch {
		case i == 1: // spouse
			age, female, sur = max(20, head-5+r.IntN(11)), !headFemale, surnames[r.IntN(len(surnames))]
		case i >= 4 && head < 60: // a parent of the head
			age, female, sur = min(95, head+22+r.IntN(10)), i%2 == 0, surname
			if i%2 == 0 {
				sur = surnames[r.IntN(len(surnames))]
			}
		case i >= 2: // a child
			age, female = max(0, head-22-r.IntN(18)), r.IntN(2) == 0
		}
		pp, err := p.person(h, region, sur, age, female, floating)
		if err != nil {
			return out, err
		}
		out = append(out, pp)
	}
	return out, nil
}

func (p *people) person(h *demoHousehold, region string, surname rune, age int, female, floating bool) (person, error) {
	r := p.rng
	given := maleGiven
	if female {
		given = femaleGiven
	}
	name := string(surname) + string(given[r.IntN(len(given))])
	if r.IntN(3) > 0 {
		name += string(given[r.IntN(len(given))])
	}
	y, m, d := p.on.AddDate(-age, 0, -1-r.IntN(364)).Date()
	birth := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	var slot idSlot
	for {
		slot = idSlot{region, birth, female}
		if p.seq[slot] < 499 {
			break
		}
		birth = birth.AddDate(0, 0, -1)
	}
	n := p.seq[slot]
	p.seq[slot] = n + 1
	seq := 2*n + 1
	if female {
		seq++
	}
	id, err := records.MakeIDNumber(region, birth, seq)
	if err != nil {
		return person{}, err
	}
	phone := ""
	if age >= 12 {
		b := append(make([]byte, 0, 11), phonePrefixes[r.IntN(len(phonePrefixes))]...)
		b = strconv.AppendInt(b, int64(100_000_000+r.IntN(100_000_000)), 10) // 9 digits: a 1 and the 8 wanted
		phone = string(append(b[:3], b[4:]...))
	}
	sex := records.SexMale
	if female {
		sex = records.SexFemale
	}
	return person{h: h, name: name, idNumber: id.Clear(), phone: phone, sex: sex, birth: birth, floating: floating}, nil
}

// residents writes the residents of every household. Without a data key
// (Options.Key) it writes none.
func (d *demoRun) residents(ctx context.Context) error {
	if d.opts.Key == nil {
		d.log.Info("demo: no data key, so no residents")
		return nil
	}
	// The households stage kept what the residents need, in id order
	// (the order of the draws).
	hs := d.homes
	total := 0
	for _, h := range hs {
		total += int(h.persons)
	}
	gen := newPeople(d.opts.Seed, d.opts.ValidFrom)
	d.progress("residents", 0, total)
	for start := 0; start < len(hs); start += residentsChunk {
		n, err := d.copyResidents(ctx, gen, hs[start:min(len(hs), start+residentsChunk)])
		d.stats.Residents += n
		if err != nil {
			return err
		}
		d.progress("residents", d.stats.Residents, total)
	}
	return nil
}

// copyResidents draws, seals and copies the residents of hs in one COPY:
// the draws in order (the ID numbers' sequences), sealing and encoding in
// a worker per CPU, the COPY reading what they encoded.
func (d *demoRun) copyResidents(ctx context.Context, gen *people, hs []demoHousehold) (int, error) {
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []person, 8)
	encoded := make(chan []byte, 8)
	g.Go(func() error {
		defer close(batches)
		batch := make([]person, 0, 4096)
		for i := range hs {
			var err error
			if batch, err = gen.household(&hs[i], batch); err != nil {
				return err
			}
			if len(batch) >= 4000 || i == len(hs)-1 {
				select {
				case batches <- batch:
				case <-gctx.Done():
					return gctx.Err()
				}
				batch = make([]person, 0, 4096)
			}
		}
		return nil
	})
	workers := max(1, runtime.GOMAXPROCS(0))
	var sealers errgroup.Group
	for range workers {
		sealers.Go(func() error {
			s := d.opts.Key.Sealer()
			for b := range batches {
				buf := encodeResidents(s, b, make([]byte, 0, len(b)*330))
				select {
				case encoded <- buf:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(encoded)
		return sealers.Wait()
	})
	pr, pw := io.Pipe()
	g.Go(func() error {
		_, err := pw.Write(copyHeader)
		for buf := range encoded {
			if err == nil {
				_, err = pw.Write(buf)
			}
		}
		if err == nil {
			_, err = pw.Write([]byte{0xff, 0xff}) // the trailer
		}
		pw.CloseWithError(err)
		return err
	})
	var n int64
	g.Go(func() error {
		tag, err := d.tx.Conn().PgConn().CopyFrom(gctx, pr, `COPY resident (address_id, house_id, household_id,
			name_sealed, name_hash, id_number_sealed, id_number_hash, phone_sealed, phone_hash, sex, birth_date, residence)
			FROM STDIN (FORMAT binary, FREEZE)`)
		pr.CloseWithError(io.ErrClosedPipe) // unblocks the writer when the COPY failed
		n = tag.RowsAffected()
		if err != nil {
			return fmt.Errorf("copy residents: %w", err)
		}
		return nil
	})
	err := g.Wait()
	return int(n), err
}

// copyHeader starts a binary COPY: the signature, flags and header
// extension length.
var copyHeader = append([]byte("PGCOPY\n\xff\r\n\x00"), 0, 0, 0, 0, 0, 0, 0, 0)

// pgEpoch is day 0 of PostgreSQL's binary date.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// encodeResidents appends the binary COPY tuples of ps to buf, their
// name, ID number and phone sealed and hashed by s (the worker's own).
func encodeResidents(s *pii.Sealer, ps []person, buf []byte) []byte {
	be := binary.BigEndian
	i8 := func(v int64) { buf = be.AppendUint32(buf, 8); buf = be.AppendUint64(buf, uint64(v)) }
	text := func(v string) { buf = be.AppendUint32(buf, uint32(len(v))); buf = append(buf, v...) }
	// sealed writes the value's two fields: its length is only known
	// after sealing, so it is written into a reserved place.
	sealed := func(f pii.Field, clear string) {
		if clear == "" {
			buf = be.AppendUint32(buf, 0xffffffff) // NULL
			buf = be.AppendUint32(buf, 0xffffffff)
			return
		}
		at := len(buf)
		buf = s.AppendSeal(be.AppendUint32(buf, 0), f, clear)
		be.PutUint32(buf[at:], uint32(len(buf)-at-4))
		buf = s.AppendHash(be.AppendUint32(buf, pii.HashSize), f, clear)
	}
	for _, p := range ps {
		buf = be.AppendUint16(buf, 12)
		i8(p.h.address)
		i8(p.h.house)
		i8(p.h.id)
		sealed(pii.FieldName, p.name)
		sealed(pii.FieldIDNumber, p.idNumber)
		sealed(pii.FieldPhone, p.phone)
		text(string(p.sex))
		buf = be.AppendUint32(buf, 4)
		buf = be.AppendUint32(buf, uint32(int32(p.birth.Sub(pgEpoch)/(24*time.Hour))))
		if p.floating {
			text("floating")
		} else {
			text("registered")
		}
	}
	return buf
}

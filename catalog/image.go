package catalog

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"slices"
	"unsafe"

	"golang.org/x/sync/errgroup"

	"github.com/evidence-kb/parental-engagement/models"
)

// A catalogue image is a freshly built snapshot saved whole, so that a process can start
// from it in a fraction of a build's time: its records, and the indexes slowest to derive
// from them (the text index, collation keys, key lookups). Tag bitmaps, number columns
// and orders are derived again on load, which takes little time.
//
// Layout: the magic; the caller's stamp (8 bytes); the body; the string table, every
// distinct string once (the body refers to strings by their number in it); where each of
// the body's parts starts (8 bytes each); how many parts there are and the table's length
// (8 bytes each); and the CRC-32C of everything between the magic and the CRC (4 bytes).
// The table comes after the body so that an image is written in one pass, never held
// whole in memory. Numbers are uvarints; fixed-size fields and the arrays of int32,
// uint32, float32 and uint16 are little-endian, the arrays aligned to 4 bytes.

const imageMagic = "EKBCAT02" // the last two digits change whenever the layout does

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrImage is the error ReadImage returns, wrapped, for a file that is not an image of
// this layout or is damaged.
var ErrImage = errors.New("not a catalogue image of this version")

// WriteImage saves cat, a snapshot New or ReadImage made (not one Apply derived), with
// stamp, an opaque number ReadImage gives back (the store's revision).
func (cat *Catalog) WriteImage(w io.Writer, stamp int64) error {
	if !cat.studies.text.identity || !cat.interventions.text.identity {
		return errors.New("catalog: only a fresh build can be saved as an image")
	}
	vocab, err := json.Marshal(cat.vocab)
	if err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	if _, err := io.WriteString(w, imageMagic); err != nil {
		return err
	}
	e := &imageEncoder{w: bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16), n: len(imageMagic), index: map[string]uint32{}}
	e.fixed(uint64(stamp))
	e.shortFirst(cat)
	e.str(cat.version)
	e.bytes(vocab)
	e.uint(cat.studyRecs.len())
	var sections []int // where each part that a reader decodes on its own starts
	for i, s := range cat.studyRecs.all() {
		if i%imageChunk == 0 {
			sections = append(sections, e.n)
		}
		e.study(s)
	}
	sections = append(sections, e.n)
	e.uint(cat.ivRecs.len())
	for _, iv := range cat.ivRecs.all() {
		e.intervention(iv)
	}
	sections = append(sections, e.n)
	e.collection(cat.studies)
	sections = append(sections, e.n)
	e.collection(cat.interventions)
	tableLen, err := e.writeTable()
	if err != nil {
		return err
	}
	for _, at := range sections {
		e.fixed(uint64(at))
	}
	e.fixed(uint64(len(sections)))
	e.fixed(uint64(tableLen))
	if err := e.w.Flush(); err != nil {
		return err
	}
	_, err = w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// ReadImage rebuilds the snapshot an image holds, and the stamp it was saved with. It
// decodes the records and the key lookups, and takes the rest where it lies: the strings,
// the postings and the collation keys refer to data, which must therefore stay as it is
// for as long as the catalogue, and anything taken from it, is in use (a file mapped
// read-only into memory and never unmapped, say). It checks the image's structure, not
// its checksum: CheckImage does that, reading the whole file, and a caller can run it
// beside ReadImage. The image's parts are decoded side by side, one per processor.
func ReadImage(data []byte) (cat *Catalog, stamp int64, err error) {
	if len(data) < len(imageMagic)+28 || string(data[:len(imageMagic)]) != imageMagic {
		return nil, 0, ErrImage
	}
	if uintptr(unsafe.Pointer(&data[0]))%8 != 0 { // arrays are used in place: they must be aligned
		data = append(make([]byte, 0, len(data)), data...)
	}
	stamp = int64(binary.LittleEndian.Uint64(data[len(imageMagic):]))
	bodyStart, end := len(imageMagic)+8, len(data)-4-16
	tableLen, count := binary.LittleEndian.Uint64(data[end+8:]), binary.LittleEndian.Uint64(data[end:])
	if count < 4 || count > uint64(end-bodyStart)/8 || tableLen > uint64(end-bodyStart)-8*count {
		return nil, 0, fmt.Errorf("%w: truncated", ErrImage)
	}
	tableEnd := end - 8*int(count)
	tableStart := tableEnd - int(tableLen)
	sections := make([]int, count+1)
	for i := range count {
		sections[i] = int(binary.LittleEndian.Uint64(data[tableEnd+8*int(i):]))
	}
	sections[count] = tableStart
	if sections[0] < bodyStart || !slices.IsSorted(sections) {
		return nil, 0, fmt.Errorf("%w: bad sections", ErrImage)
	}
	td := &imageDecoder{buf: data[tableStart:tableEnd]}
	td.readTable()
	if err := td.end("bytes left after the string table"); err != nil {
		return nil, 0, err
	}
	part := func(i int) *imageDecoder { return &imageDecoder{buf: data[sections[i]:sections[i+1]], table: td.table} }
	head := &imageDecoder{buf: data[bodyStart:sections[0]], table: td.table}
	version := head.str()
	vocab := &models.Dataset{}
	if raw := head.take(head.count()); head.err == nil {
		if err := json.Unmarshal(raw, vocab); err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrImage, err)
		}
	}
	n := head.uint()
	chunks := int(count) - 3
	if head.err == nil && (len(head.buf) != 0 || n > len(data) || chunks != (n+imageChunk-1)/imageChunk) {
		head.fail("records and sections disagree")
	}
	if head.err != nil {
		return nil, 0, head.err
	}
	studies := make([]models.Study, n)
	var ivs []models.Intervention
	var preStudies, preIvs *prebuilt
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	run := func(d *imageDecoder, decode func(d *imageDecoder)) {
		g.Go(func() error {
			decode(d)
			return d.end("bytes left over")
		})
	}
	for c := range chunks {
		run(part(c), func(d *imageDecoder) {
			for i := c * imageChunk; i < min(n, (c+1)*imageChunk); i++ {
				d.study(&studies[i])
			}
		})
	}
	run(part(chunks), func(d *imageDecoder) {
		ivs = make([]models.Intervention, d.count())
		for i := range ivs {
			d.intervention(&ivs[i])
		}
	})
	run(part(chunks+1), func(d *imageDecoder) { preStudies = d.collection(studySchema, n) })
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	// the interventions' collection needs their count, so it comes after the rest
	last := part(chunks + 2)
	preIvs = last.collection(interventionSchema, len(ivs))
	if err := last.end("bytes left over"); err != nil {
		return nil, 0, err
	}
	return assemble(vocab, studies, ivs, version, preStudies, preIvs), stamp, nil
}

// imageChunk is how many studies one part of an image holds: parts decode in parallel.
const imageChunk = 16384

// CheckImage verifies the checksum of the image of size bytes that r reads, reading it
// through once: nil when it is whole and unchanged since it was written.
func CheckImage(r io.ReaderAt, size int64) error {
	if size < int64(len(imageMagic))+20 {
		return ErrImage
	}
	head := make([]byte, len(imageMagic))
	if _, err := r.ReadAt(head, 0); err != nil || string(head) != imageMagic {
		return ErrImage
	}
	crc := crc32.New(castagnoli)
	body := io.NewSectionReader(r, int64(len(imageMagic)), size-int64(len(imageMagic))-4)
	if _, err := io.CopyBuffer(crc, body, make([]byte, 1<<20)); err != nil { // large reads: fewer system calls
		return err
	}
	sum := make([]byte, 4)
	if _, err := r.ReadAt(sum, size-4); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(sum) != crc.Sum32() {
		return fmt.Errorf("%w: checksum mismatch", ErrImage)
	}
	return nil
}

// imageEncoder writes the body of an image, gathering its string table as it goes.
type imageEncoder struct {
	w       *bufio.Writer
	n       int // bytes written since the start of the image
	scratch []byte
	index   map[string]uint32
	table   []string
}

// write writes b; writes to a bufio.Writer fail only when the underlying writer does,
// and Flush reports that.
func (e *imageEncoder) write(b []byte) {
	_, _ = e.w.Write(b)
	e.n += len(b)
}

// put writes what appending to scratch produced.
func (e *imageEncoder) put(b []byte) {
	e.write(b)
	e.scratch = b[:0]
}

func (e *imageEncoder) uint(v int) { e.put(binary.AppendUvarint(e.scratch, uint64(v))) }

func (e *imageEncoder) varint(v int64) { e.put(binary.AppendVarint(e.scratch, v)) }

func (e *imageEncoder) fixed(v uint64) { e.put(binary.LittleEndian.AppendUint64(e.scratch, v)) }

func (e *imageEncoder) ref(s string) int {
	i, ok := e.index[s]
	if !ok {
		i = uint32(len(e.table))
		e.index[s] = i
		e.table = append(e.table, s)
	}
	return int(i)
}

func (e *imageEncoder) str(s string) { e.uint(e.ref(s)) }

// optStr, strs, optInt and optFloat write 0 for nil, so nil and empty stay apart.
func (e *imageEncoder) optStr(p *string) {
	if p == nil {
		e.uint(0)
		return
	}
	e.uint(e.ref(*p) + 1)
}

func (e *imageEncoder) strs(l []string) {
	if l == nil {
		e.uint(0)
		return
	}
	e.uint(len(l) + 1)
	for _, s := range l {
		e.str(s)
	}
}

func (e *imageEncoder) optInt(p *int) {
	if p == nil {
		e.uint(0)
		return
	}
	e.uint(1)
	e.varint(int64(*p))
}

func (e *imageEncoder) optFloat(p *float64) {
	if p == nil {
		e.uint(0)
		return
	}
	e.uint(1)
	e.float(*p)
}

func (e *imageEncoder) float(v float64) { e.fixed(math.Float64bits(v)) }

func (e *imageEncoder) bytes(b []byte) {
	e.uint(len(b))
	e.write(b)
}

// array writes a length, then each value through appendOne, a block at a time. The
// values start at a multiple of 4 bytes from the image's start, so a reader can use them
// where they lie.
func array[T any](e *imageEncoder, s []T, appendOne func([]byte, T) []byte) {
	e.uint(len(s))
	e.write(make([]byte, (4-e.n%4)%4))
	for len(s) > 0 {
		block := s[:min(len(s), 4096)]
		b := e.scratch
		for _, v := range block {
			b = appendOne(b, v)
		}
		e.put(b)
		s = s[len(block):]
	}
}

func (e *imageEncoder) int32s(s []int32) {
	array(e, s, func(b []byte, v int32) []byte { return binary.LittleEndian.AppendUint32(b, uint32(v)) })
}

func (e *imageEncoder) float32s(s []float32) {
	array(e, s, func(b []byte, v float32) []byte { return binary.LittleEndian.AppendUint32(b, math.Float32bits(v)) })
}

func (e *imageEncoder) uint16s(s []uint16) {
	array(e, s, binary.LittleEndian.AppendUint16)
}

func (e *imageEncoder) study(s *models.Study) {
	e.str(s.ID)
	e.str(s.Title)
	e.strs(s.Authors)
	e.varint(int64(s.Year))
	e.str(s.Type)
	for _, p := range []*string{s.Venue, s.DOI, s.URL, s.Country, s.Design, s.Stage} {
		e.optStr(p)
	}
	e.optInt(s.SampleSize)
	e.optFloat(s.EffectSize)
	e.optStr(s.EffectSizeMeasure)
	e.str(s.Summary)
	for _, l := range [][]string{s.KeyFindings, s.Themes, s.Strands, s.DisadvantageFocus, s.Interventions, s.VerifiedIn} {
		e.strs(l)
	}
}

func (e *imageEncoder) intervention(iv *models.Intervention) {
	e.str(iv.ID)
	e.str(iv.Name)
	e.strs(iv.Aliases)
	e.optStr(iv.Origin)
	e.optStr(iv.CountryOfOrigin)
	e.str(iv.Summary)
	e.optStr(iv.Stage)
	e.optStr(iv.Setting)
	for _, l := range [][]string{iv.Themes, iv.Strands, iv.DisadvantageFocus} {
		e.strs(l)
	}
	if iv.Evidence == nil {
		e.uint(0)
	} else {
		e.uint(len(iv.Evidence) + 1)
	}
	for _, ev := range iv.Evidence {
		e.str(ev.Finding)
		e.optStr(ev.StudyID)
		e.optStr(ev.Design)
		e.str(ev.Kind)
		e.optStr(ev.Result)
		e.optStr(ev.ResultFact)
		e.str(ev.Window)
	}
	e.optStr(iv.URL)
	e.strs(iv.VerifiedIn)
}

// shortFirst puts the records' short strings (ids, tags, names, DOIs) at the start of the
// string table, before the long texts. A load reads the short ones (it indexes them) and
// not the texts; kept together, they take few pages of a mapped image, where scattered
// among the texts they would bring most of the table's pages into memory.
func (e *imageEncoder) shortFirst(cat *Catalog) {
	const short = 64
	add := func(ss ...string) {
		for _, s := range ss {
			if len(s) <= short {
				e.ref(s)
			}
		}
	}
	for _, s := range cat.studyRecs.all() {
		add(s.ID, s.Type, deref(s.DOI), deref(s.Country), deref(s.Design), deref(s.Stage))
		add(s.Authors...)
		add(s.Themes...)
		add(s.Strands...)
		add(s.DisadvantageFocus...)
		add(s.Interventions...)
	}
	for _, iv := range cat.ivRecs.all() {
		add(iv.ID, iv.Name, deref(iv.Stage), deref(iv.Setting), deref(iv.CountryOfOrigin))
		add(iv.Themes...)
		add(iv.Strands...)
		add(iv.DisadvantageFocus...)
		for _, ev := range iv.Evidence {
			add(deref(ev.StudyID), ev.Kind, deref(ev.Result), ev.Window)
		}
	}
}

// collection writes what an image keeps of c beyond its records (see prebuilt), in the
// order of c's schema.
func (e *imageEncoder) collection(c *collection) {
	for _, sp := range c.schema.sorts {
		if sp.text != nil {
			e.strs(c.sorts[sp.name].texts.flat())
		}
	}
	for _, sp := range c.schema.fields {
		if sp.kind != kindKey {
			continue
		}
		keys := c.fields[sp.name].keys
		e.uint(keys.len())
		for _, k := range sortedKeys(keys) { // the same catalogue, the same bytes
			e.str(k)
			e.int32s(keys.at(k))
		}
	}
	t := c.text
	e.float32s(t.docLen)
	e.float(t.avgLen)
	e.uint(t.words.len())
	for _, w := range t.words.from(0) {
		e.str(w)
		e.str(t.stems.at(w))
	}
	e.uint(t.terms.len())
	for _, s := range sortedKeys(t.terms) {
		pl := t.terms.at(s)
		e.str(s)
		e.int32s(pl.docs)
		e.float32s(pl.weight)
		e.bytes(pl.npos)
		e.int32s(pl.posAt)
		e.uint16s(pl.pos)
	}
}

// sortedKeys are the keys of m in order: the same catalogue, the same bytes.
func sortedKeys[V any](m pmap[V]) []string {
	keys := make([]string, 0, m.len())
	for k := range m.all() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writeTable writes the string table: the count, where each string starts in the text
// (and where the last ends: count+1 uint32s), then the text, every string end to end. It
// returns how many bytes it took.
func (e *imageEncoder) writeTable() (int, error) {
	start := e.n
	offsets := make([]uint32, 0, len(e.table)+1)
	at := 0
	for _, s := range e.table {
		offsets = append(offsets, uint32(at))
		if at += len(s); at > math.MaxUint32 {
			return 0, errors.New("catalog: too much text for one image")
		}
	}
	offsets = append(offsets, uint32(at))
	e.uint(len(e.table))
	array(e, offsets, binary.LittleEndian.AppendUint32)
	for _, s := range e.table {
		_, _ = e.w.WriteString(s)
		e.n += len(s)
	}
	return e.n - start, nil
}

// imageDecoder reads an image; the first error sticks, and every read after it returns
// zero values, so the caller checks once at the end.
type imageDecoder struct {
	buf   []byte
	table *stringTable
	err   error
	// arenas the records' lists and optional values are cut from, a block at a time:
	// one allocation for thousands of small ones
	lists []string
	ptrs  []string
}

// stringTable is an image's string table where it lies: the strings are the text's bytes,
// found by their offsets, never copied.
type stringTable struct {
	offsets []uint32
	text    []byte
}

func (t *stringTable) at(i int) string {
	from, to := t.offsets[i], t.offsets[i+1]
	if from == to {
		return ""
	}
	return unsafe.String(&t.text[from], int(to-from))
}

func (t *stringTable) len() int { return len(t.offsets) - 1 }

func (d *imageDecoder) fail(why string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrImage, why)
	}
	d.buf = nil
}

// end is d's error once its part is decoded: a part must be read to its last byte.
func (d *imageDecoder) end(leftOver string) error {
	if d.err == nil && len(d.buf) != 0 {
		d.fail(leftOver)
	}
	return d.err
}

func (d *imageDecoder) uint() int {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 || v > math.MaxInt32 {
		d.fail("bad number")
		return 0
	}
	d.buf = d.buf[n:]
	return int(v)
}

// count reads a length of items that take at least a byte each: a damaged length cannot
// make the decoder allocate more than the image's size.
func (d *imageDecoder) count() int {
	n := d.uint()
	if n > len(d.buf) {
		d.fail("a length past the end")
		return 0
	}
	return n
}

// take returns the next n bytes.
func (d *imageDecoder) take(n int) []byte {
	if n > len(d.buf) {
		d.fail("truncated")
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

// readTable reads the string table: its offsets are checked, its text taken as it lies.
func (d *imageDecoder) readTable() {
	count := d.uint()
	t := &stringTable{offsets: inPlace(d, func(b []byte) uint32 { return binary.LittleEndian.Uint32(b) })}
	if d.err == nil && (len(t.offsets) != count+1 || !slices.IsSorted(t.offsets) || t.offsets[0] != 0) {
		d.fail("a string table out of order")
	}
	if d.err == nil {
		t.text = d.take(int(t.offsets[count]))
	}
	d.table = t
}

func (d *imageDecoder) str() string {
	i := d.uint()
	if i >= d.table.len() {
		d.fail("a string not in the table")
		return ""
	}
	return d.table.at(i)
}

// optStr gives every record its own pointer: nothing outside the image is shared.
func (d *imageDecoder) optStr() *string {
	i := d.uint()
	if i == 0 {
		return nil
	}
	if i > d.table.len() {
		d.fail("a string not in the table")
		return nil
	}
	p := cut(&d.ptrs, 1)
	p[0] = d.table.at(i - 1)
	return &p[0]
}

func (d *imageDecoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	l := cut(&d.lists, n-1)
	for i := range l {
		l[i] = d.str()
	}
	return l
}

// cut returns the next n elements of arena, a new block when it has too few left; the
// slice's capacity is n, so appending to it never writes into the next one.
func cut[T any](arena *[]T, n int) []T {
	const block = 4096
	if n == 0 {
		return []T{} // empty, not nil
	}
	if len(*arena)+n > cap(*arena) {
		*arena = make([]T, 0, max(block, n))
	}
	at := len(*arena)
	*arena = (*arena)[:at+n]
	return (*arena)[at : at+n : at+n]
}

func (d *imageDecoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *imageDecoder) optInt() *int {
	if d.uint() == 0 {
		return nil
	}
	v := int(d.varint())
	return &v
}

func (d *imageDecoder) optFloat() *float64 {
	if d.uint() == 0 {
		return nil
	}
	v := d.float()
	return &v
}

func (d *imageDecoder) float() float64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

// inPlace returns the next count values of T (4 or 2 bytes, little-endian) where they lie
// in the image, after the padding that aligns them, or a copy on a big-endian machine.
// The slice's capacity is its length, so appending to it never writes into the image.
func inPlace[T int32 | uint32 | float32 | uint16](d *imageDecoder, decode func([]byte) T) []T {
	count := d.count()
	var zero T
	size := int(unsafe.Sizeof(zero))
	if pad := int(uintptr(unsafe.Pointer(unsafe.SliceData(d.buf))) % 4); pad != 0 {
		d.take(4 - pad)
	}
	b := d.take(count * size)
	if d.err != nil || count == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), count)[:count:count]
	}
	out := make([]T, count)
	for i := range out {
		out[i] = decode(b[i*size:])
	}
	return out
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func (d *imageDecoder) int32s() []int32 {
	return inPlace(d, func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) })
}

// ordinals reads int32s that must each be below n: they index records.
func (d *imageDecoder) ordinals(n int) []int32 {
	out := d.int32s()
	for _, o := range out {
		if o < 0 || int(o) >= n {
			d.fail("an ordinal out of range")
			return nil
		}
	}
	return out
}

func (d *imageDecoder) float32s() []float32 {
	return inPlace(d, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })
}

func (d *imageDecoder) uint16s() []uint16 { return inPlace(d, binary.LittleEndian.Uint16) }

func (d *imageDecoder) study(s *models.Study) {
	s.ID = d.str()
	s.Title = d.str()
	s.Authors = d.strs()
	s.Year = int(d.varint())
	s.Type = d.str()
	for _, p := range []**string{&s.Venue, &s.DOI, &s.URL, &s.Country, &s.Design, &s.Stage} {
		*p = d.optStr()
	}
	s.SampleSize = d.optInt()
	s.EffectSize = d.optFloat()
	s.EffectSizeMeasure = d.optStr()
	s.Summary = d.str()
	for _, l := range []*[]string{&s.KeyFindings, &s.Themes, &s.Strands, &s.DisadvantageFocus, &s.Interventions, &s.VerifiedIn} {
		*l = d.strs()
	}
}

func (d *imageDecoder) intervention(iv *models.Intervention) {
	iv.ID = d.str()
	iv.Name = d.str()
	iv.Aliases = d.strs()
	iv.Origin = d.optStr()
	iv.CountryOfOrigin = d.optStr()
	iv.Summary = d.str()
	iv.Stage = d.optStr()
	iv.Setting = d.optStr()
	for _, l := range []*[]string{&iv.Themes, &iv.Strands, &iv.DisadvantageFocus} {
		*l = d.strs()
	}
	if n := d.count(); n > 0 {
		iv.Evidence = make([]models.Evidence, n-1)
	}
	for i := range iv.Evidence {
		ev := &iv.Evidence[i]
		ev.Finding = d.str()
		ev.StudyID = d.optStr()
		ev.Design = d.optStr()
		ev.Kind = d.str()
		ev.Result = d.optStr()
		ev.ResultFact = d.optStr()
		ev.Window = d.str()
	}
	iv.URL = d.optStr()
	iv.VerifiedIn = d.strs()
}

// collection reads what the encoder's collection wrote, for n records of s.
func (d *imageDecoder) collection(s *schema, n int) *prebuilt {
	pre := &prebuilt{sortTexts: map[string][]string{}, keys: map[string]map[string][]int32{}}
	for _, sp := range s.sorts {
		if sp.text != nil {
			if pre.sortTexts[sp.name] = d.strs(); len(pre.sortTexts[sp.name]) != n {
				d.fail("a sort key per record")
			}
		}
	}
	for _, sp := range s.fields {
		if sp.kind != kindKey {
			continue
		}
		count := d.count()
		keys := make(map[string][]int32, count)
		for range count {
			k := d.str()
			keys[k] = d.ordinals(n)
		}
		pre.keys[sp.name] = keys
	}
	t := newTextIndex(n, n+headroom(n), s.text.fields, s.text.weights, nil)
	if t.docLen = d.float32s(); len(t.docLen) != n {
		d.fail("a length per document")
	}
	t.avgLen = d.float()
	words := d.count()
	wordList := make([]string, words)
	stems := make(map[string]string, words)
	for i := range wordList {
		wordList[i] = d.str()
		stems[wordList[i]] = d.str()
	}
	t.words, t.stems = seqOf(wordList), pmapOf(stems)
	terms := d.count()
	termMap := make(map[string]*postings, terms)
	for range terms {
		s := d.str()
		// the documents are not checked one by one, which would read every list: the
		// checksum (CheckImage) vouches for them
		pl := &postings{docs: d.int32s(), weight: d.float32s(), docSet: &docSet{}}
		npos := d.count()
		if b := d.take(npos); b != nil {
			pl.npos = b[:npos:npos]
		}
		pl.posAt, pl.pos = d.int32s(), d.uint16s()
		if len(pl.weight) != len(pl.docs) || len(pl.npos) != len(pl.docs) || len(pl.posAt) != (len(pl.docs)+posBlock-1)/posBlock {
			d.fail("postings of unequal lengths")
			break
		}
		termMap[s] = pl
	}
	t.terms = pmapOf(termMap)
	pre.text = t
	return pre
}

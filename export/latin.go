package export

import "unicode"

// latinLetter is an accented or special Latin letter spelt two ways: in ASCII, for citation
// keys, and in LaTeX, so classic BibTeX (which counts bytes, not characters, when it
// abbreviates "Sénéchal" or sorts it) reads a file as well as biber does.
type latinLetter struct {
	ascii, latex string
}

// latin holds the letters of Latin-1 and Latin Extended-A, which cover the names of the
// review's European authors.
var latin = buildLatin()

func buildLatin() map[rune]latinLetter {
	m := map[rune]latinLetter{}
	// Each string lists accented letters, each followed by its base letter, under the LaTeX
	// accent command that writes it.
	accents := map[string]string{
		"`": "ÀAàaÈEèeÌIìiÒOòoÙUùu",
		"'": "ÁAáaÉEéeÍIíiÓOóoÚUúuÝYýyĆCćcĹLĺlŃNńnŔRŕrŚSśsŹZźz",
		"^": "ÂAâaÊEêeÎIîiÔOôoÛUûuĈCĉcĜGĝgĤHĥhĴJĵjŜSŝsŴWŵwŶYŷy",
		"~": "ÃAãaÑNñnÕOõoĨIĩiŨUũu",
		`"`: "ÄAäaËEëeÏIïiÖOöoÜUüuŸYÿy",
		"=": "ĀAāaĒEēeĪIīiŌOōoŪUūu",
		".": "ĊCċcĖEėeĠGġgİIŻZżz",
		"r": "ÅAåaŮUůu",
		"c": "ÇCçcŞSşsŢTţtĢGģgĶKķkĻLļlŅNņnŖRŗr",
		"v": "ČCčcĎDďdĚEěeŇNňnŘRřrŠSšsŤTťtŽZžzĽLľl",
		"u": "ĂAăaĔEĕeĞGğgĬIĭiŎOŏoŬUŭu",
		"H": "ŐOőoŰUűu",
		"k": "ĄAąaĘEęeĮIįiŲUųu",
	}
	for cmd, pairs := range accents {
		sep := ""
		if unicode.IsLetter(rune(cmd[0])) { // \c c, not \cc
			sep = " "
		}
		rs := []rune(pairs)
		for i := 0; i+1 < len(rs); i += 2 {
			base := string(rs[i+1])
			m[rs[i]] = latinLetter{ascii: base, latex: `{\` + cmd + sep + base + `}`}
		}
	}
	for r, l := range map[rune]latinLetter{
		'ß': {"ss", `{\ss}`}, 'æ': {"ae", `{\ae}`}, 'Æ': {"AE", `{\AE}`},
		'œ': {"oe", `{\oe}`}, 'Œ': {"OE", `{\OE}`}, 'ø': {"o", `{\o}`}, 'Ø': {"O", `{\O}`},
		'ł': {"l", `{\l}`}, 'Ł': {"L", `{\L}`}, 'ı': {"i", `{\i}`}, 'đ': {"d", `{\dj}`},
		'Đ': {"D", `{\DJ}`}, 'ð': {"d", `{\dh}`}, 'Ð': {"D", `{\DH}`}, 'þ': {"th", `{\th}`},
		'Þ': {"TH", `{\TH}`},
	} {
		m[r] = l
	}
	return m
}

package world

// Default is the embedded world: the EU, the rest of western Europe and the
// main roaming destinations elsewhere, each with its main mobile operators
// and their real MCC/MNC, name and GSMA TADIG code. Country ids are ISO
// 3166-1 numeric codes; operator ids are core-sim's own, stable numbers, in
// blocks per country.
//
// RATs list what is in service (as of late 2026, simplified), but every
// operator offers at least one of GERAN and UTRAN: where both 2G and 3G are
// switched off the operator keeps UTRAN so that devices can still attach in
// the simulation (marked "2G and 3G off" below). Germany, France and Austria
// keep both RATs because the default scenario runs UTRAN and GERAN fleets
// there.
//
// Entries marked "TADIG unverified" use the most likely code (or pairing of
// code and MNC) but could not be checked against a public list.
func Default() *World {
	w, err := New(defaultCountries, defaultOperators)
	if err != nil {
		panic("world: embedded default is invalid: " + err.Error())
	}
	return w
}

var (
	both   = []RAT{GERAN, UTRAN}
	only2G = []RAT{GERAN} // 3G switched off
	only3G = []RAT{UTRAN} // 2G switched off, or both off and kept for the simulation
)

var defaultCountries = []Country{
	{ID: 276, ISO: "DE", Name: "Germany", MCC: "262", DialCode: "49"},
	{ID: 250, ISO: "FR", Name: "France", MCC: "208", DialCode: "33"},
	{ID: 40, ISO: "AT", Name: "Austria", MCC: "232", DialCode: "43"},
	{ID: 528, ISO: "NL", Name: "Netherlands", MCC: "204", DialCode: "31"},
	{ID: 826, ISO: "GB", Name: "United Kingdom", MCC: "234", DialCode: "44"},
	{ID: 724, ISO: "ES", Name: "Spain", MCC: "214", DialCode: "34"},
	{ID: 56, ISO: "BE", Name: "Belgium", MCC: "206", DialCode: "32"},
	{ID: 100, ISO: "BG", Name: "Bulgaria", MCC: "284", DialCode: "359"},
	{ID: 191, ISO: "HR", Name: "Croatia", MCC: "219", DialCode: "385"},
	{ID: 196, ISO: "CY", Name: "Cyprus", MCC: "280", DialCode: "357"},
	{ID: 203, ISO: "CZ", Name: "Czechia", MCC: "230", DialCode: "420"},
	{ID: 208, ISO: "DK", Name: "Denmark", MCC: "238", DialCode: "45"},
	{ID: 233, ISO: "EE", Name: "Estonia", MCC: "248", DialCode: "372"},
	{ID: 246, ISO: "FI", Name: "Finland", MCC: "244", DialCode: "358"},
	{ID: 300, ISO: "GR", Name: "Greece", MCC: "202", DialCode: "30"},
	{ID: 348, ISO: "HU", Name: "Hungary", MCC: "216", DialCode: "36"},
	{ID: 372, ISO: "IE", Name: "Ireland", MCC: "272", DialCode: "353"},
	{ID: 380, ISO: "IT", Name: "Italy", MCC: "222", DialCode: "39"},
	{ID: 428, ISO: "LV", Name: "Latvia", MCC: "247", DialCode: "371"},
	{ID: 440, ISO: "LT", Name: "Lithuania", MCC: "246", DialCode: "370"},
	{ID: 442, ISO: "LU", Name: "Luxembourg", MCC: "270", DialCode: "352"},
	{ID: 470, ISO: "MT", Name: "Malta", MCC: "278", DialCode: "356"},
	{ID: 616, ISO: "PL", Name: "Poland", MCC: "260", DialCode: "48"},
	{ID: 620, ISO: "PT", Name: "Portugal", MCC: "268", DialCode: "351"},
	{ID: 642, ISO: "RO", Name: "Romania", MCC: "226", DialCode: "40"},
	{ID: 703, ISO: "SK", Name: "Slovakia", MCC: "231", DialCode: "421"},
	{ID: 705, ISO: "SI", Name: "Slovenia", MCC: "293", DialCode: "386"},
	{ID: 752, ISO: "SE", Name: "Sweden", MCC: "240", DialCode: "46"},
	{ID: 578, ISO: "NO", Name: "Norway", MCC: "242", DialCode: "47"},
	{ID: 756, ISO: "CH", Name: "Switzerland", MCC: "228", DialCode: "41"},
	{ID: 438, ISO: "LI", Name: "Liechtenstein", MCC: "295", DialCode: "423"},
	{ID: 352, ISO: "IS", Name: "Iceland", MCC: "274", DialCode: "354"},
	{ID: 792, ISO: "TR", Name: "Turkey", MCC: "286", DialCode: "90"},
	{ID: 840, ISO: "US", Name: "United States", MCC: "310", DialCode: "1"}, // 311 too in reality: one Country per MCC
	{ID: 124, ISO: "CA", Name: "Canada", MCC: "302", DialCode: "1"},
	{ID: 484, ISO: "MX", Name: "Mexico", MCC: "334", DialCode: "52"},
	{ID: 76, ISO: "BR", Name: "Brazil", MCC: "724", DialCode: "55"},
	{ID: 32, ISO: "AR", Name: "Argentina", MCC: "722", DialCode: "54"},
	{ID: 152, ISO: "CL", Name: "Chile", MCC: "730", DialCode: "56"},
	{ID: 36, ISO: "AU", Name: "Australia", MCC: "505", DialCode: "61"},
	{ID: 554, ISO: "NZ", Name: "New Zealand", MCC: "530", DialCode: "64"},
	{ID: 392, ISO: "JP", Name: "Japan", MCC: "440", DialCode: "81"},
	{ID: 410, ISO: "KR", Name: "South Korea", MCC: "450", DialCode: "82"},
	{ID: 356, ISO: "IN", Name: "India", MCC: "404", DialCode: "91"}, // 405 too in reality: one Country per MCC
	{ID: 702, ISO: "SG", Name: "Singapore", MCC: "525", DialCode: "65"},
	{ID: 710, ISO: "ZA", Name: "South Africa", MCC: "655", DialCode: "27"},
	{ID: 784, ISO: "AE", Name: "United Arab Emirates", MCC: "424", DialCode: "971"},
}

// The order of the operators within a country matters (devices try them in
// this order): keep Germany's 26201, 26202, 26203 and France's 20801, 20810,
// 20820 first.
var defaultOperators = []Operator{
	// Germany: 3G off since 2021, both kept for the default scenario.
	{ID: 1, Name: "Telekom Deutschland", MCC: "262", MNC: "01", TADIG: "DEUD1", RATs: both},
	{ID: 2, Name: "Vodafone Germany", MCC: "262", MNC: "02", TADIG: "DEUD2", RATs: both},
	{ID: 3, Name: "Telefonica Germany (O2)", MCC: "262", MNC: "03", TADIG: "DEUE2", RATs: both}, // TADIG unverified: DEUE2 (O2) since the E-Plus merger; 262/03 was E-Plus's DEUE1

	// France
	{ID: 10, Name: "Orange France", MCC: "208", MNC: "01", TADIG: "FRAF1", RATs: both},
	{ID: 11, Name: "SFR", MCC: "208", MNC: "10", TADIG: "FRAF2", RATs: both},
	{ID: 12, Name: "Bouygues Telecom", MCC: "208", MNC: "20", TADIG: "FRAF3", RATs: both},
	{ID: 13, Name: "Free Mobile", MCC: "208", MNC: "15", TADIG: "FRAFM", RATs: only3G}, // no 2G network of its own

	// Austria: 3G off, both kept for the default scenario (DE fleets travel here).
	{ID: 20, Name: "A1 Telekom Austria", MCC: "232", MNC: "01", TADIG: "AUTPT", RATs: both},
	{ID: 21, Name: "Magenta Telekom", MCC: "232", MNC: "03", TADIG: "AUTMM", RATs: both},
	{ID: 22, Name: "Drei Austria", MCC: "232", MNC: "10", TADIG: "AUTCA", RATs: both}, // TADIG unverified: AUTCA (ex-Orange 232/05) vs AUTHG for 232/10

	// Netherlands: 3G off.
	{ID: 30, Name: "KPN", MCC: "204", MNC: "08", TADIG: "NLDPT", RATs: only2G},
	{ID: 31, Name: "Vodafone Netherlands", MCC: "204", MNC: "04", TADIG: "NLDLT", RATs: only2G},
	{ID: 32, Name: "Odido (T-Mobile Netherlands)", MCC: "204", MNC: "16", TADIG: "NLDPN", RATs: only2G},

	// United Kingdom: 3G off.
	{ID: 40, Name: "EE", MCC: "234", MNC: "30", TADIG: "GBRME", RATs: only2G},
	{ID: 41, Name: "Vodafone UK", MCC: "234", MNC: "15", TADIG: "GBRVF", RATs: only2G},
	{ID: 42, Name: "O2 UK", MCC: "234", MNC: "10", TADIG: "GBRCN", RATs: only2G},
	{ID: 43, Name: "Three UK", MCC: "234", MNC: "20", TADIG: "GBRHU", RATs: only3G}, // no 2G network, 3G off: kept for the simulation

	// Spain: 3G off.
	{ID: 50, Name: "Movistar", MCC: "214", MNC: "07", TADIG: "ESPTE", RATs: only2G},
	{ID: 51, Name: "Vodafone Spain", MCC: "214", MNC: "01", TADIG: "ESPAT", RATs: only2G},
	{ID: 52, Name: "Orange Spain", MCC: "214", MNC: "03", TADIG: "ESPRT", RATs: only2G},
	{ID: 53, Name: "Yoigo (MasOrange)", MCC: "214", MNC: "04", TADIG: "ESPXF", RATs: only2G},

	// Belgium: 3G off.
	{ID: 60, Name: "Proximus", MCC: "206", MNC: "01", TADIG: "BELTB", RATs: only2G},
	{ID: 61, Name: "Orange Belgium", MCC: "206", MNC: "10", TADIG: "BELMO", RATs: only2G},
	{ID: 62, Name: "BASE (Telenet)", MCC: "206", MNC: "20", TADIG: "BELKO", RATs: only2G},

	// Bulgaria
	{ID: 70, Name: "A1 Bulgaria", MCC: "284", MNC: "01", TADIG: "BGR01", RATs: both},
	{ID: 71, Name: "Vivacom", MCC: "284", MNC: "03", TADIG: "BGRVA", RATs: both},
	{ID: 72, Name: "Yettel Bulgaria", MCC: "284", MNC: "05", TADIG: "BGRCM", RATs: both},

	// Croatia
	{ID: 80, Name: "Hrvatski Telekom", MCC: "219", MNC: "01", TADIG: "HRVCN", RATs: both},
	{ID: 81, Name: "Telemach Hrvatska", MCC: "219", MNC: "02", TADIG: "HRVT2", RATs: both},
	{ID: 82, Name: "A1 Hrvatska", MCC: "219", MNC: "10", TADIG: "HRVVI", RATs: both},

	// Cyprus
	{ID: 90, Name: "Cyta", MCC: "280", MNC: "01", TADIG: "CYPCT", RATs: both},
	{ID: 91, Name: "Epic Cyprus", MCC: "280", MNC: "10", TADIG: "CYPSC", RATs: both},
	{ID: 92, Name: "PrimeTel", MCC: "280", MNC: "20", TADIG: "CYPPT", RATs: both},

	// Czechia: 3G off since 2021.
	{ID: 100, Name: "T-Mobile Czech Republic", MCC: "230", MNC: "01", TADIG: "CZERM", RATs: only2G},
	{ID: 101, Name: "O2 Czech Republic", MCC: "230", MNC: "02", TADIG: "CZEET", RATs: only2G},
	{ID: 102, Name: "Vodafone Czech Republic", MCC: "230", MNC: "03", TADIG: "CZECM", RATs: only2G},

	// Denmark: 3G off.
	{ID: 110, Name: "TDC (Nuuday)", MCC: "238", MNC: "01", TADIG: "DNKTD", RATs: only2G},
	{ID: 111, Name: "Telenor Denmark", MCC: "238", MNC: "02", TADIG: "DNKDM", RATs: only2G},
	{ID: 112, Name: "3 Denmark", MCC: "238", MNC: "06", TADIG: "DNKHU", RATs: only2G},
	{ID: 113, Name: "Telia Denmark", MCC: "238", MNC: "20", TADIG: "DNKIA", RATs: only2G},

	// Estonia: 3G off.
	{ID: 120, Name: "Telia Estonia", MCC: "248", MNC: "01", TADIG: "ESTEM", RATs: only2G},
	{ID: 121, Name: "Elisa Estonia", MCC: "248", MNC: "02", TADIG: "ESTRE", RATs: only2G},
	{ID: 122, Name: "Tele2 Estonia", MCC: "248", MNC: "03", TADIG: "ESTRB", RATs: only2G},

	// Finland: 3G off.
	{ID: 130, Name: "Elisa", MCC: "244", MNC: "05", TADIG: "FINRL", RATs: only2G},
	{ID: 131, Name: "DNA", MCC: "244", MNC: "12", TADIG: "FIN2G", RATs: only2G},
	{ID: 132, Name: "Telia Finland", MCC: "244", MNC: "91", TADIG: "FINTF", RATs: only2G},

	// Greece: 3G off.
	{ID: 140, Name: "Cosmote", MCC: "202", MNC: "01", TADIG: "GRCCO", RATs: only2G},
	{ID: 141, Name: "Vodafone Greece", MCC: "202", MNC: "05", TADIG: "GRCPF", RATs: only2G},
	{ID: 142, Name: "Nova (Wind Hellas)", MCC: "202", MNC: "10", TADIG: "GRCSH", RATs: only2G},

	// Hungary: 3G off.
	{ID: 150, Name: "Yettel Hungary", MCC: "216", MNC: "01", TADIG: "HUNH1", RATs: only2G},
	{ID: 151, Name: "Magyar Telekom", MCC: "216", MNC: "30", TADIG: "HUNH2", RATs: only2G},
	{ID: 152, Name: "One Hungary (Vodafone)", MCC: "216", MNC: "70", TADIG: "HUNVR", RATs: only2G},

	// Ireland: 3G off.
	{ID: 160, Name: "Vodafone Ireland", MCC: "272", MNC: "01", TADIG: "IRLEC", RATs: only2G},
	{ID: 161, Name: "Eir", MCC: "272", MNC: "03", TADIG: "IRLME", RATs: only2G},
	{ID: 162, Name: "Three Ireland", MCC: "272", MNC: "05", TADIG: "IRLH3", RATs: only2G},

	// Italy: 3G off.
	{ID: 170, Name: "TIM", MCC: "222", MNC: "01", TADIG: "ITASI", RATs: only2G},
	{ID: 171, Name: "Vodafone Italy", MCC: "222", MNC: "10", TADIG: "ITAOM", RATs: only2G},
	{ID: 172, Name: "WindTre", MCC: "222", MNC: "88", TADIG: "ITAWI", RATs: only2G},

	// Latvia: 3G off.
	{ID: 180, Name: "LMT", MCC: "247", MNC: "01", TADIG: "LVALM", RATs: only2G},
	{ID: 181, Name: "Tele2 Latvia", MCC: "247", MNC: "02", TADIG: "LVABC", RATs: only2G},
	{ID: 182, Name: "Bite Latvia", MCC: "247", MNC: "05", TADIG: "LVABT", RATs: only2G},

	// Lithuania: 3G off.
	{ID: 190, Name: "Telia Lithuania", MCC: "246", MNC: "01", TADIG: "LTUOM", RATs: only2G},
	{ID: 191, Name: "Bite Lithuania", MCC: "246", MNC: "02", TADIG: "LTUMT", RATs: only2G},
	{ID: 192, Name: "Tele2 Lithuania", MCC: "246", MNC: "03", TADIG: "LTU03", RATs: only2G},

	// Luxembourg
	{ID: 200, Name: "POST Luxembourg", MCC: "270", MNC: "01", TADIG: "LUXPT", RATs: both},
	{ID: 201, Name: "Tango", MCC: "270", MNC: "77", TADIG: "LUXTG", RATs: both},
	{ID: 202, Name: "Orange Luxembourg", MCC: "270", MNC: "99", TADIG: "LUXVM", RATs: both},

	// Malta
	{ID: 210, Name: "Epic Malta", MCC: "278", MNC: "01", TADIG: "MLTTL", RATs: both},
	{ID: 211, Name: "GO", MCC: "278", MNC: "21", TADIG: "MLTGO", RATs: both},
	{ID: 212, Name: "Melita", MCC: "278", MNC: "77", TADIG: "MLTMM", RATs: both},

	// Poland: 3G off.
	{ID: 220, Name: "Plus", MCC: "260", MNC: "01", TADIG: "POLKM", RATs: only2G},
	{ID: 221, Name: "T-Mobile Poland", MCC: "260", MNC: "02", TADIG: "POL02", RATs: only2G},
	{ID: 222, Name: "Orange Poland", MCC: "260", MNC: "03", TADIG: "POL03", RATs: only2G},
	{ID: 223, Name: "Play", MCC: "260", MNC: "06", TADIG: "POLP4", RATs: only2G},

	// Portugal: 3G off.
	{ID: 230, Name: "Vodafone Portugal", MCC: "268", MNC: "01", TADIG: "PRTTL", RATs: only2G},
	{ID: 231, Name: "NOS", MCC: "268", MNC: "03", TADIG: "PRTOP", RATs: only2G},
	{ID: 232, Name: "MEO", MCC: "268", MNC: "06", TADIG: "PRTTM", RATs: only2G},

	// Romania
	{ID: 240, Name: "Vodafone Romania", MCC: "226", MNC: "01", TADIG: "ROMMF", RATs: both},
	{ID: 241, Name: "Digi Romania", MCC: "226", MNC: "05", TADIG: "ROM05", RATs: both},
	{ID: 242, Name: "Orange Romania", MCC: "226", MNC: "10", TADIG: "ROMMR", RATs: both},

	// Slovakia: 3G off (O2 never had it).
	{ID: 250, Name: "Orange Slovakia", MCC: "231", MNC: "01", TADIG: "SVKGT", RATs: only2G},
	{ID: 251, Name: "Slovak Telekom", MCC: "231", MNC: "02", TADIG: "SVKET", RATs: only2G},
	{ID: 252, Name: "O2 Slovakia", MCC: "231", MNC: "06", TADIG: "SVKO2", RATs: only2G},

	// Slovenia
	{ID: 260, Name: "A1 Slovenia", MCC: "293", MNC: "40", TADIG: "SVNSM", RATs: both},
	{ID: 261, Name: "Telekom Slovenije", MCC: "293", MNC: "41", TADIG: "SVNMT", RATs: both},
	{ID: 262, Name: "Telemach Slovenia", MCC: "293", MNC: "70", TADIG: "SVNVG", RATs: both},

	// Sweden: 2G and 3G off (2025): UTRAN kept for the simulation.
	{ID: 270, Name: "Telia Sweden", MCC: "240", MNC: "01", TADIG: "SWETR", RATs: only3G},   // TADIG unverified
	{ID: 271, Name: "Tre Sweden", MCC: "240", MNC: "02", TADIG: "SWEHU", RATs: only3G},     // TADIG unverified
	{ID: 272, Name: "Tele2 Sweden", MCC: "240", MNC: "07", TADIG: "SWEIQ", RATs: only3G},   // TADIG unverified
	{ID: 273, Name: "Telenor Sweden", MCC: "240", MNC: "08", TADIG: "SWEEP", RATs: only3G}, // TADIG unverified

	// Norway: 2G and 3G off: UTRAN kept for the simulation.
	{ID: 280, Name: "Telenor Norway", MCC: "242", MNC: "01", TADIG: "NORTM", RATs: only3G},
	{ID: 281, Name: "Telia Norway", MCC: "242", MNC: "02", TADIG: "NORNC", RATs: only3G},
	{ID: 282, Name: "Ice", MCC: "242", MNC: "14", TADIG: "NORIC", RATs: only3G},

	// Switzerland: 2G off; 3G off at Swisscom and Sunrise since 2025, UTRAN kept for the simulation.
	{ID: 290, Name: "Swisscom", MCC: "228", MNC: "01", TADIG: "CHEC1", RATs: only3G},
	{ID: 291, Name: "Sunrise", MCC: "228", MNC: "02", TADIG: "CHEDX", RATs: only3G},
	{ID: 292, Name: "Salt", MCC: "228", MNC: "03", TADIG: "CHEOR", RATs: only3G},

	// Liechtenstein: 2G off.
	{ID: 300, Name: "Salt Liechtenstein", MCC: "295", MNC: "02", TADIG: "LIEVE", RATs: only3G},
	{ID: 301, Name: "FL1 (Telecom Liechtenstein)", MCC: "295", MNC: "05", TADIG: "LIEMK", RATs: only3G},

	// Iceland
	{ID: 310, Name: "Siminn", MCC: "274", MNC: "01", TADIG: "ISLPS", RATs: both},
	{ID: 311, Name: "Vodafone Iceland (Syn)", MCC: "274", MNC: "02", TADIG: "ISLTL", RATs: both},
	{ID: 312, Name: "Nova", MCC: "274", MNC: "11", TADIG: "ISLNO", RATs: both},

	// Turkey
	{ID: 320, Name: "Turkcell", MCC: "286", MNC: "01", TADIG: "TURTC", RATs: both},
	{ID: 321, Name: "Vodafone Turkey", MCC: "286", MNC: "02", TADIG: "TURTS", RATs: both},
	{ID: 322, Name: "Turk Telekom", MCC: "286", MNC: "03", TADIG: "TURIS", RATs: both},

	// United States: 3G off everywhere.
	{ID: 330, Name: "AT&T", MCC: "310", MNC: "410", TADIG: "USACG", RATs: only3G},             // 2G and 3G off: kept for the simulation
	{ID: 331, Name: "T-Mobile USA", MCC: "310", MNC: "260", TADIG: "USAW6", RATs: only3G},     // UMTS off 2022, GSM shutdown announced for 2025: kept for the simulation
	{ID: 332, Name: "Verizon Wireless", MCC: "310", MNC: "004", TADIG: "USAVZ", RATs: only3G}, // never GSM/UMTS, CDMA off: kept for the simulation; TADIG unverified for 310/004 (main PLMN 311/480)

	// Canada: 2G off, 3G off (2025): UTRAN kept for the simulation.
	{ID: 340, Name: "Telus", MCC: "302", MNC: "220", TADIG: "CANTS", RATs: only3G},
	{ID: 341, Name: "Bell Mobility", MCC: "302", MNC: "610", TADIG: "CANBM", RATs: only3G},
	{ID: 342, Name: "Rogers Wireless", MCC: "302", MNC: "720", TADIG: "CANRW", RATs: only3G},

	// Mexico: 2G off.
	{ID: 350, Name: "Telcel", MCC: "334", MNC: "020", TADIG: "MEXTL", RATs: only3G},
	{ID: 351, Name: "Movistar Mexico", MCC: "334", MNC: "030", TADIG: "MEXMS", RATs: only3G},
	{ID: 352, Name: "AT&T Mexico", MCC: "334", MNC: "050", TADIG: "MEXIU", RATs: only3G}, // TADIG unverified (ex-Iusacell code)

	// Brazil
	{ID: 360, Name: "TIM Brasil", MCC: "724", MNC: "02", TADIG: "BRASP", RATs: both}, // TADIG unverified
	{ID: 361, Name: "Claro Brasil", MCC: "724", MNC: "05", TADIG: "BRACL", RATs: both},
	{ID: 362, Name: "Vivo", MCC: "724", MNC: "06", TADIG: "BRAV2", RATs: both}, // TADIG unverified

	// Argentina
	{ID: 370, Name: "Personal", MCC: "722", MNC: "034", TADIG: "ARGTP", RATs: both},
	{ID: 371, Name: "Movistar Argentina", MCC: "722", MNC: "070", TADIG: "ARGTM", RATs: both}, // TADIG unverified (070 vs 010)
	{ID: 372, Name: "Claro Argentina", MCC: "722", MNC: "310", TADIG: "ARGCM", RATs: both},

	// Chile
	{ID: 380, Name: "Entel", MCC: "730", MNC: "01", TADIG: "CHLMV", RATs: both},
	{ID: 381, Name: "Movistar Chile", MCC: "730", MNC: "02", TADIG: "CHLTM", RATs: both},
	{ID: 382, Name: "Claro Chile", MCC: "730", MNC: "03", TADIG: "CHLSM", RATs: both},

	// Australia: 2G and 3G off (2024): UTRAN kept for the simulation.
	{ID: 390, Name: "Telstra", MCC: "505", MNC: "01", TADIG: "AUSTA", RATs: only3G},
	{ID: 391, Name: "Optus", MCC: "505", MNC: "02", TADIG: "AUSOP", RATs: only3G},
	{ID: 392, Name: "Vodafone Australia (TPG)", MCC: "505", MNC: "03", TADIG: "AUSVF", RATs: only3G},

	// New Zealand: 2G and 3G off: UTRAN kept for the simulation.
	{ID: 400, Name: "One NZ", MCC: "530", MNC: "01", TADIG: "NZLBS", RATs: only3G},
	{ID: 401, Name: "Spark", MCC: "530", MNC: "05", TADIG: "NZLTM", RATs: only3G},
	{ID: 402, Name: "2degrees", MCC: "530", MNC: "24", TADIG: "NZLNH", RATs: only3G},

	// Japan: no 2G; 3G off (docomo 2026, SoftBank 2024, KDDI never had UMTS): UTRAN kept for the simulation.
	{ID: 410, Name: "NTT docomo", MCC: "440", MNC: "10", TADIG: "JPNDO", RATs: only3G},
	{ID: 411, Name: "SoftBank", MCC: "440", MNC: "20", TADIG: "JPNJP", RATs: only3G},
	{ID: 412, Name: "KDDI (au)", MCC: "440", MNC: "50", TADIG: "JPNKI", RATs: only3G}, // TADIG unverified

	// South Korea: no 2G.
	{ID: 420, Name: "SK Telecom", MCC: "450", MNC: "05", TADIG: "KORSK", RATs: only3G},
	{ID: 421, Name: "LG Uplus", MCC: "450", MNC: "06", TADIG: "KORLU", RATs: only3G}, // never UMTS, CDMA off: kept for the simulation; TADIG unverified
	{ID: 422, Name: "KT", MCC: "450", MNC: "08", TADIG: "KORKF", RATs: only3G},

	// India (Delhi circle): 3G off.
	{ID: 430, Name: "Airtel (Delhi)", MCC: "404", MNC: "10", TADIG: "INDAT", RATs: only2G},
	{ID: 431, Name: "Vi Vodafone Idea (Delhi)", MCC: "404", MNC: "11", TADIG: "INDE1", RATs: only2G},

	// Singapore: 2G and 3G off (2024): UTRAN kept for the simulation.
	{ID: 440, Name: "Singtel", MCC: "525", MNC: "01", TADIG: "SGPST", RATs: only3G},
	{ID: 441, Name: "M1", MCC: "525", MNC: "03", TADIG: "SGPM1", RATs: only3G},
	{ID: 442, Name: "StarHub", MCC: "525", MNC: "05", TADIG: "SGPSH", RATs: only3G},

	// South Africa
	{ID: 450, Name: "Vodacom", MCC: "655", MNC: "01", TADIG: "ZAFVC", RATs: both},
	{ID: 451, Name: "Cell C", MCC: "655", MNC: "07", TADIG: "ZAFCC", RATs: both},
	{ID: 452, Name: "MTN South Africa", MCC: "655", MNC: "10", TADIG: "ZAFMN", RATs: both},

	// United Arab Emirates
	{ID: 460, Name: "e& (Etisalat)", MCC: "424", MNC: "02", TADIG: "ARETC", RATs: both},
	{ID: 461, Name: "du", MCC: "424", MNC: "03", TADIG: "AREDU", RATs: both},
}

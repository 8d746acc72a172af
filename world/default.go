package world

// Default is the embedded world: a few European countries and their main
// operators with their real MCC/MNC and TADIG codes. Country ids are ISO
// 3166-1 numeric codes; operator ids are core-sim's own, stable numbers.
func Default() *World {
	w, err := New(defaultCountries, defaultOperators)
	if err != nil {
		panic("world: embedded default is invalid: " + err.Error())
	}
	return w
}

var both = []RAT{GERAN, UTRAN}

var defaultCountries = []Country{
	{ID: 276, ISO: "DE", Name: "Germany", MCC: "262", DialCode: "49"},
	{ID: 250, ISO: "FR", Name: "France", MCC: "208", DialCode: "33"},
	{ID: 40, ISO: "AT", Name: "Austria", MCC: "232", DialCode: "43"},
	{ID: 528, ISO: "NL", Name: "Netherlands", MCC: "204", DialCode: "31"},
	{ID: 826, ISO: "GB", Name: "United Kingdom", MCC: "234", DialCode: "44"},
	{ID: 724, ISO: "ES", Name: "Spain", MCC: "214", DialCode: "34"},
}

var defaultOperators = []Operator{
	{ID: 1, Name: "Telekom Deutschland", MCC: "262", MNC: "01", TADIG: "DEUD1", RATs: both},
	{ID: 2, Name: "Vodafone Germany", MCC: "262", MNC: "02", TADIG: "DEUD2", RATs: both},
	{ID: 3, Name: "Telefonica Germany", MCC: "262", MNC: "03", TADIG: "DEUE1", RATs: both},
	{ID: 10, Name: "Orange France", MCC: "208", MNC: "01", TADIG: "FRAF1", RATs: both},
	{ID: 11, Name: "SFR", MCC: "208", MNC: "10", TADIG: "FRAF2", RATs: both},
	{ID: 12, Name: "Bouygues Telecom", MCC: "208", MNC: "20", TADIG: "FRAF3", RATs: both},
	{ID: 20, Name: "A1 Telekom Austria", MCC: "232", MNC: "01", TADIG: "AUTPT", RATs: both},
	{ID: 21, Name: "Magenta Telekom", MCC: "232", MNC: "03", TADIG: "AUTMM", RATs: both},
	{ID: 30, Name: "KPN", MCC: "204", MNC: "08", TADIG: "NLDPT", RATs: both},
	{ID: 31, Name: "Vodafone Netherlands", MCC: "204", MNC: "04", TADIG: "NLDLT", RATs: both},
	{ID: 40, Name: "EE", MCC: "234", MNC: "30", TADIG: "GBRME", RATs: both},
	{ID: 41, Name: "Vodafone UK", MCC: "234", MNC: "15", TADIG: "GBRVF", RATs: both},
	{ID: 50, Name: "Movistar", MCC: "214", MNC: "07", TADIG: "ESPTE", RATs: both},
	{ID: 51, Name: "Vodafone Spain", MCC: "214", MNC: "01", TADIG: "ESPAT", RATs: both},
}

// The word lists of the normaliser: abbreviations, symbol readings, units, month and regnal names.
#include "text/reading_tables.h"

#include <set>

namespace speecht5::text {
namespace {

constexpr Abbreviation kAbbreviations[] = {
    {U"Mr", "Mister", true},
    {U"Mrs", "Missus", true},
    {U"Ms", "Miz", true},
    {U"Prof", "Professor", true},
    {U"Capt", "Captain", true},
    {U"Gen", "General", true},
    {U"Lt", "Lieutenant", true},
    {U"Col", "Colonel", true},
    {U"Sgt", "Sergeant", true},
    {U"Rev", "Reverend", true},
    {U"Hon", "Honorable", true},
    {U"Gov", "Governor", true},
    {U"Sen", "Senator", true},
    {U"Rep", "Representative", true},
    {U"Pres", "President", true},
    {U"Fr", "Father", true},
    {U"Mt", "Mount", true},
    {U"Ft", "Fort", true},
    {U"vs", "versus", true},
    {U"Fig", "Figure", true},
    {U"fig", "figure", true},
    {U"Vol", "Volume", true},
    {U"vol", "volume", true},
    {U"Ch", "Chapter", true},
    {U"cf", "compare", true},
    {U"Jr", "Junior", false},
    {U"Sr", "Senior", false},
    {U"Inc", "Incorporated", false},
    {U"Ltd", "Limited", false},
    {U"Co", "Company", false},
    {U"Corp", "Corporation", false},
    {U"Bros", "Brothers", false},
    {U"Ave", "Avenue", false},
    {U"Rd", "Road", false},
    {U"Blvd", "Boulevard", false},
    {U"Ln", "Lane", false},
    {U"Hwy", "Highway", false},
    {U"Apt", "Apartment", false},
    {U"Dept", "Department", false},
    {U"Univ", "University", false},
    {U"approx", "approximately", false},
    {U"etc", "et cetera", false},
    {U"Jan", "January", false},
    {U"Feb", "February", false},
    {U"Mar", "March", false},
    {U"Apr", "April", false},
    {U"Jun", "June", false},
    {U"Jul", "July", false},
    {U"Aug", "August", false},
    {U"Sep", "September", false},
    {U"Sept", "September", false},
    {U"Oct", "October", false},
    {U"Nov", "November", false},
    {U"Dec", "December", false},
};

// Readings of symbols outside the vocabulary when no number claims them.
constexpr std::pair<char32_t, const char*> kSymbols[] = {
    {U'&', "and"},
    {U'+', "plus"},
    {U'@', "at"},
    {U'#', "number"},
    {U'=', "equals"},
    {U'<', "less than"},
    {U'>', "greater than"},
    {U'%', "percent"},
    {U'\u2030', "per mille"},
    {U'$', "dollars"},
    {U'\u20ac', "euros"},
    {U'\u00a3', "pounds"},
    {U'\u00a5', "yen"},
    {U'\u00a2', "cents"},
    {U'\u20b9', "rupees"},
    {U'\u00b0', "degrees"},
    {U'\u00d7', "times"},
    {U'\u00f7', "divided by"},
    {U'\u00b1', "plus or minus"},
    {U'\u00a9', "copyright"},
    {U'\u00ae', "registered"},
    {U'\u2122', "trademark"},
    {U'\u00a7', "section"},
    {U'\u00b6', "paragraph"},
    {U'\u00b2', "squared"},
    {U'\u00b3', "cubed"},
    {U'\u00bd', "one half"},
    {U'\u00bc', "one quarter"},
    {U'\u00be', "three quarters"},
    {U'\u2153', "one third"},
    {U'\u2154', "two thirds"},
    {U'\u2192', "to"},
    {U'\u221e', "infinity"},
    {U'\u2248', "approximately"},
    {U'\u2260', "not equal to"},
    {U'\u2264', "at most"},
    {U'\u2265', "at least"},
    {U'\u03b1', "alpha"},
    {U'\u03b2', "beta"},
    {U'\u03b3', "gamma"},
    {U'\u03b4', "delta"},
    {U'\u0394', "delta"},
    {U'\u03b5', "epsilon"},
    {U'\u03b8', "theta"},
    {U'\u03bb', "lambda"},
    {U'\u03bc', "mu"},
    {U'\u00b5', "micro"},
    {U'\u03c0', "pi"},
    {U'\u03c3', "sigma"},
    {U'\u03a3', "sigma"},
    {U'\u03c4', "tau"},
    {U'\u03c6', "phi"},
    {U'\u03c9', "omega"},
    {U'\u03a9', "omega"},
};
// Markup and separators read as a pause-free space.
constexpr std::u32string_view kSpaceLike = U"_|\\~^*";

// Longest symbols first so "km/h" wins over "km" and "°C" over "°".
constexpr Unit kUnits[] = {
    {U"km/h", "kilometer per hour", "kilometers per hour", false},
    {U"m/s", "meter per second", "meters per second", false},
    {U"mph", "mile per hour", "miles per hour", false},
    {U"kph", "kilometer per hour", "kilometers per hour", false},
    {U"kWh", "kilowatt hour", "kilowatt hours", false},
    {U"mAh", "milliamp hour", "milliamp hours", false},
    {U"kHz", "kilohertz", "kilohertz", false},
    {U"MHz", "megahertz", "megahertz", false},
    {U"GHz", "gigahertz", "gigahertz", false},
    {U"lbs", "pound", "pounds", false},
    {U"sec", "second", "seconds", false},
    {U"min", "minute", "minutes", false},
    {U"hrs", "hour", "hours", false},
    {U"\u00b0C", "degree Celsius", "degrees Celsius", false},
    {U"\u00b0F", "degree Fahrenheit", "degrees Fahrenheit", false},
    {U"km", "kilometer", "kilometers", false},
    {U"cm", "centimeter", "centimeters", false},
    {U"mm", "millimeter", "millimeters", false},
    {U"\u00b5m", "micrometer", "micrometers", false},
    {U"\u03bcm", "micrometer", "micrometers", false},
    {U"nm", "nanometer", "nanometers", false},
    {U"mi", "mile", "miles", true},
    {U"yd", "yard", "yards", false},
    {U"ft", "foot", "feet", false},
    {U"in", "inch", "inches", true},
    {U"kg", "kilogram", "kilograms", false},
    {U"mg", "milligram", "milligrams", false},
    {U"lb", "pound", "pounds", false},
    {U"oz", "ounce", "ounces", false},
    {U"ml", "milliliter", "milliliters", false},
    {U"mL", "milliliter", "milliliters", false},
    {U"kW", "kilowatt", "kilowatts", false},
    {U"MW", "megawatt", "megawatts", false},
    {U"Hz", "hertz", "hertz", false},
    {U"KB", "kilobyte", "kilobytes", false},
    {U"kB", "kilobyte", "kilobytes", false},
    {U"MB", "megabyte", "megabytes", false},
    {U"GB", "gigabyte", "gigabytes", false},
    {U"TB", "terabyte", "terabytes", false},
    {U"ms", "millisecond", "milliseconds", false},
    {U"hr", "hour", "hours", false},
    {U"m", "meter", "meters", false},
    {U"g", "gram", "grams", false},
    {U"l", "liter", "liters", false},
    {U"L", "liter", "liters", false},
    {U"h", "hour", "hours", false},
    {U"W", "watt", "watts", false},
    {U"V", "volt", "volts", false},
    {U"x", "time", "times", true},
    {U"\u00b0", "degree", "degrees", false},
};

}  // namespace

const char* symbol_reading(char32_t c) {
  for (const auto& [symbol, reading] : kSymbols) {
    if (symbol == c) return reading;
  }
  return nullptr;
}

bool is_month(const std::string& word) {
  static const std::set<std::string> kMonths = {"January",   "February", "March",    "April",
                                                "May",       "June",     "July",     "August",
                                                "September", "October",  "November", "December"};
  return kMonths.count(word) > 0;
}

const Abbreviation* find_abbreviation(std::u32string_view word) {
  for (const auto& abbreviation : kAbbreviations) {
    if (abbreviation.word == word) return &abbreviation;
  }
  return nullptr;
}

bool is_space_like_markup(char32_t c) { return kSpaceLike.find(c) != std::u32string_view::npos; }

std::span<const Unit> units() { return kUnits; }

bool numbers_things(const std::string& word) {
  static const std::set<std::string> kNumbered = {
      "Chapter", "Part",    "Volume", "Book",     "Act",     "Scene",  "War",   "Phase",
      "Section", "Article", "Title",  "Appendix", "Episode", "Season", "Round", "Level",
      "Stage",   "Type",    "Class",  "Grade",    "Figure",  "Table",  "Psalm", "Canto"};
  return kNumbered.count(word) > 0;
}

bool is_regnal_name(const std::string& word) {
  static const std::set<std::string> kRegnal = {
      "Henry",   "Louis",     "Elizabeth", "George",    "Charles",  "Edward",    "Richard",
      "William", "James",     "John",      "Paul",      "Benedict", "Pius",      "Leo",
      "Gregory", "Innocent",  "Clement",   "Alexander", "Napoleon", "Frederick", "Philip",
      "Peter",   "Catherine", "Mary",      "Ramesses",  "Alfonso",  "Ferdinand", "Nicholas",
      "Ivan",    "Otto",      "Francis",   "Felipe",    "Carl",     "Gustav",    "Harald",
      "Olav",    "Haakon",    "Christian", "Juan",      "Carlos",   "Wilhelm",   "Victor"};
  return kRegnal.count(word) > 0;
}

}  // namespace speecht5::text

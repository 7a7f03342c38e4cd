/* dataident.c — the sensitive-data detector of data protection policies
 * (dataident.h): AWS's catalogue of managed data identifiers, each a POSIX
 * extended expression of the documented format with the keywords AWS wants
 * near it and the format's checksum; custom identifiers' expressions
 * converted from AWS's syntax; and the scan that CloudWatch Logs (masking at
 * ingestion) and SNS (audit, deny and de-identify at Publish and delivery)
 * run over text. Called on the request's thread; a set lives in one arena.
 * A managed expression is compiled once per process and shared read-only. */
#define _GNU_SOURCE /* memmem */
#include "services/dataident.h"

#include <ctype.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* ==== Check functions: the checksums and reserved values of the formats ==== */

/* The digits of p[0, n), at most cap of them; their number. */
static size_t digits_of(const char *p, size_t n, int *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isdigit((unsigned char)p[i])) {
            if (k == cap) return cap + 1;
            out[k++] = p[i] - '0';
        }
    return k;
}

/* The letters and digits of p[0, n) upper-cased into out (NUL-ended); their number. */
static size_t alnum_of(const char *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isalnum((unsigned char)p[i])) {
            if (k + 1 >= cap) return cap;
            out[k++] = (char)toupper((unsigned char)p[i]);
        }
    out[k] = 0;
    return k;
}

static bool luhn_digits(const int *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = d[n - 1 - i];
        if (i % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return sum % 10 == 0;
}

/* AWS: "a 13–19 digit sequence that adheres to the Luhn check formula, and
 * uses a standard card number prefix" of American Express, Dankort, Diners
 * Club, Discover, Electron, JCB, Mastercard, UnionPay or Visa; the numbers
 * card issuers reserve for public testing are not reported. */
static bool card_ok(const char *p, size_t n)
{
    static const char *const reserved[] = {
        "122000000000003",     "2222405343248877", "2222990905257051", "2223007648726984",    "2223577120017656",
        "30569309025904",      "34343434343434",   "3528000700000000", "3530111333300000",    "3566002020360505",
        "36148900647913",      "36700102000000",   "371449635398431",  "378282246310005",     "378734493671000",
        "38520000023237",      "4012888888881881", "4111111111111111", "4222222222222",       "4444333322221111",
        "4462030000000000",    "4484070000000000", "4911830000000",    "4917300800000000",    "4917610000000000",
        "4917610000000000003", "5019717010103742", "5105105105105100", "5111010030175156",    "5185540810000019",
        "5200828282828210",    "5204230080000017", "5204740009900014", "5420923878724339",    "5454545454545454",
        "5455330760000018",    "5506900490000436", "5506900490000444", "5506900510000234",    "5506920809243667",
        "5506922400634930",    "5506927427317625", "5553042241984105", "5555553753048194",    "5555555555554444",
        "5610591081018250",    "6011000990139424", "6011000400000000", "6011111111111117",    "630490017740292441",
        "630495060000000000",  "6331101999990016", "6759649826438453", "6799990100000000019", "76009244561",
    };
    int d[20];
    size_t k = digits_of(p, n, d, 19);
    if (k < 13 || k > 19 || !luhn_digits(d, k)) return false;
    char s[20];
    for (size_t i = 0; i < k; i++) s[i] = (char)('0' + d[i]);
    s[k] = 0;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!strcmp(s, reserved[i])) return false;
    int p2 = d[0] * 10 + d[1], p4 = p2 * 100 + d[2] * 10 + d[3];
    return d[0] == 4                                                      /* Visa, Electron */
           || p2 == 34 || p2 == 37                                        /* American Express */
           || (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)        /* Mastercard */
           || p4 == 5019                                                  /* Dankort */
           || (p2 == 30 && d[2] <= 5) || p2 == 36 || p2 == 38 || p2 == 39 /* Diners Club */
           || p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499)        /* Discover */
           || (p4 >= 3528 && p4 <= 3589)                                  /* JCB */
           || p2 == 62;                                                   /* UnionPay */
}

/* ISO 13616: the IBAN with its first four characters moved to the end,
 * letters as 10..35, is 1 modulo 97. */
static bool iban_ok(const char *p, size_t n)
{
    char s[40];
    size_t k = alnum_of(p, n, s, sizeof s);
    if (k < 15 || k > 34) return false;
    unsigned r = 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[(i + 4) % k];
        unsigned v = isdigit((unsigned char)c) ? (unsigned)(c - '0') : (unsigned)(c - 'A' + 10);
        r = v >= 10 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
    }
    return r == 1;
}

/* Brazil's CPF: two mod-11 check digits (weights 10..2, then 11..2); a
 * number of one repeated digit is not issued. */
static bool cpf_ok(const char *p, size_t n)
{
    int d[12];
    if (digits_of(p, n, d, 11) != 11) return false;
    bool same = true;
    for (int i = 1; i < 11; i++) same = same && d[i] == d[0];
    if (same) return false;
    for (int c = 9; c <= 10; c++) {
        int sum = 0;
        for (int i = 0; i < c; i++) sum += d[i] * (c + 1 - i);
        int v = sum * 10 % 11 % 10;
        if (v != d[c]) return false;
    }
    return true;
}

/* Brazil's CNPJ: two mod-11 check digits with weights 5..2,9..2 and 6..2,9..2. */
static bool cnpj_ok(const char *p, size_t n)
{
    static const int w[13] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
    int d[15];
    if (digits_of(p, n, d, 14) != 14) return false;
    for (int c = 12; c <= 13; c++) {
        int sum = 0;
        for (int i = 0; i < c; i++) sum += d[i] * w[i + 13 - c];
        int v = sum % 11 < 2 ? 0 : 11 - sum % 11;
        if (v != d[c]) return false;
    }
    return true;
}

/* A DEA registration number: (d1+d3+d5) + 2(d2+d4+d6) ends in d7. */
static bool dea_ok(const char *p, size_t n)
{
    int d[8];
    if (n < 9 || !strchr("ABCDEFGHJKLMPRSTUX", p[0]) || digits_of(p, n, d, 7) != 7) return false;
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6];
}

/* A National Insurance number: HMRC does not issue the prefixes BG, GB,
 * NK, KN, TN, NT and ZZ. */
static bool nino_ok(const char *p, size_t n)
{
    static const char *const banned[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
    char s[16];
    if (alnum_of(p, n, s, sizeof s) != 9) return false;
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (!strncmp(s, banned[i], 2)) return false;
    return true;
}

/* An NPI: the Luhn check over the number prefixed with 80840. */
static bool npi_ok(const char *p, size_t n)
{
    int d[16] = {8, 0, 8, 4, 0};
    return digits_of(p, n, d + 5, 10) == 10 && luhn_digits(d, 15);
}

/* An NHS number: weights 10..2 modulo 11; 11 - r is the check digit (0 for
 * 11, and 10 is never issued). */
static bool nhs_ok(const char *p, size_t n)
{
    int d[11], sum = 0;
    if (digits_of(p, n, d, 10) != 10) return false;
    for (int i = 0; i < 9; i++) sum += d[i] * (10 - i);
    int c = 11 - sum % 11;
    return (c == 11 ? 0 : c) == d[9];
}

/* Luhn over the digits alone (Canada's SIN). */
static bool luhn9_ok(const char *p, size_t n)
{
    int d[10];
    return digits_of(p, n, d, 9) == 9 && luhn_digits(d, 9);
}

static const char dni_letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";

/* A DNI (and a personal NIF): eight digits and the letter of their value
 * modulo 23. */
static bool dni_ok(const char *p, size_t n)
{
    char s[16];
    if (alnum_of(p, n, s, sizeof s) != 9 || !isalpha((unsigned char)s[8])) return false;
    long v = strtol(s, NULL, 10);
    return dni_letters[v % 23] == s[8];
}

/* An NIE: X, Y or Z (as 0, 1, 2) then seven digits, checked as a DNI. */
static bool nie_ok(const char *p, size_t n)
{
    char s[16];
    if (alnum_of(p, n, s, sizeof s) != 9 || !strchr("XYZ", s[0])) return false;
    s[0] = (char)('0' + (s[0] - 'X'));
    return dni_letters[strtol(s, NULL, 10) % 23] == s[8];
}

/* A NIF: a DNI's, or K, L or M then seven digits and the letter of those. */
static bool nif_ok(const char *p, size_t n)
{
    char s[16];
    if (alnum_of(p, n, s, sizeof s) != 9) return false;
    if (strchr("KLM", s[0])) return dni_letters[strtol(s + 1, NULL, 10) % 23] == s[8];
    return dni_ok(p, n);
}

/* A CIF: the control of the seven digits (odd places doubled, digit sums)
 * is a digit or the letter J..A of it, by the entity's type letter. */
static bool cif_ok(const char *p, size_t n)
{
    char s[16];
    if (alnum_of(p, n, s, sizeof s) != 9) return false;
    int sum = 0;
    for (int i = 1; i <= 7; i++) {
        int v = s[i] - '0';
        if (i % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    int c = (10 - sum % 10) % 10;
    char letter = "JABCDEFGHI"[c];
    if (strchr("PQRSNW", s[0])) return s[8] == letter;
    if (strchr("ABEH", s[0])) return s[8] == '0' + c;
    return s[8] == '0' + c || s[8] == letter;
}

/* Italy's codice fiscale: the last letter from odd/even tables of the first 15. */
static bool codice_fiscale_ok(const char *p, size_t n)
{
    static const int odd[36] = {1,  0,  5, 7, 9,  13, 15, 17, 19, 21, 1,  0,  5,  7,  9,  13, 15, 17,
                                19, 21, 2, 4, 18, 20, 11, 3,  6,  8,  12, 14, 16, 10, 22, 25, 24, 23};
    char s[20];
    if (alnum_of(p, n, s, sizeof s) != 16) return false;
    int sum = 0;
    for (int i = 0; i < 15; i++) {
        int v = isdigit((unsigned char)s[i]) ? s[i] - '0' : s[i] - 'A' + 10;
        /* the even table: digits and letters alike count 0..25 */
        sum += i % 2 ? (isdigit((unsigned char)s[i]) ? s[i] - '0' : s[i] - 'A') : odd[v];
    }
    return s[15] == 'A' + sum % 26;
}

/* A German identity card (and passport) number: nine characters and a
 * check digit of weights 7, 3, 1 when it is written. */
static bool de_id_ok(const char *p, size_t n)
{
    char s[16];
    size_t k = alnum_of(p, n, s, sizeof s);
    if (k == 9) return true;
    if (k != 10) return false;
    static const int w[3] = {7, 3, 1};
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int v = isdigit((unsigned char)s[i]) ? s[i] - '0' : s[i] - 'A' + 10;
        sum += v * w[i % 3];
    }
    return s[9] == '0' + sum % 10;
}

/* Germany's Steuer-IdNr: ISO 7064 MOD 11,10 over the first ten digits. */
static bool de_taxid_ok(const char *p, size_t n)
{
    int d[12];
    if (digits_of(p, n, d, 11) != 11 || d[0] == 0) return false;
    int prod = 10;
    for (int i = 0; i < 10; i++) {
        int sum = (d[i] + prod) % 10;
        if (!sum) sum = 10;
        prod = sum * 2 % 11;
    }
    int c = 11 - prod;
    return (c == 10 ? 0 : c) == d[10];
}

/* France's NIR (INSEE code): the key is 97 minus the 13-digit number
 * modulo 97 (Corsica's 2A and 2B counted as 19 and 18). */
static bool nir_ok(const char *p, size_t n)
{
    char s[20];
    if (alnum_of(p, n, s, sizeof s) != 15) return false;
    long long v = 0;
    for (int i = 0; i < 13; i++) {
        int c = i == 6 && (s[i] == 'A' || s[i] == 'B') ? '0' : s[i];
        if (!isdigit(c)) return false;
        v = v * 10 + (c - '0');
    }
    if (s[6] == 'A') v -= 1000000;
    if (s[6] == 'B') v -= 2000000;
    int key = (s[13] - '0') * 10 + (s[14] - '0');
    return isdigit((unsigned char)s[13]) && isdigit((unsigned char)s[14]) && key == 97 - (int)(v % 97);
}

/* France's tax number (numéro fiscal): the last three digits are the first
 * ten modulo 511. */
static bool fr_tin_ok(const char *p, size_t n)
{
    int d[14];
    if (digits_of(p, n, d, 13) != 13) return false;
    long long v = 0;
    for (int i = 0; i < 10; i++) v = v * 10 + d[i];
    return v % 511 == d[10] * 100 + d[11] * 10 + d[12];
}

/* Spain's social security number: the last two digits are the first ten
 * (province, then the number without its leading zeros) modulo 97. */
static bool es_ssn_ok(const char *p, size_t n)
{
    int d[13];
    if (digits_of(p, n, d, 12) != 12) return false;
    long long a = d[0] * 10 + d[1], b = 0;
    for (int i = 2; i < 10; i++) b = b * 10 + d[i];
    long long v = b < 10000000 ? b + a * 10000000 : a * 100000000 + b;
    return v % 97 == d[10] * 10 + d[11];
}

/* A US SSN: area 000, 666 and 900-999, group 00 and serial 0000 are never
 * issued. */
static bool ssn_us_ok(const char *p, size_t n)
{
    int d[10];
    if (digits_of(p, n, d, 9) != 9) return false;
    int area = d[0] * 100 + d[1] * 10 + d[2];
    return area && area != 666 && area < 900 && (d[3] || d[4]) && (d[5] || d[6] || d[7] || d[8]);
}

/* Brazil's RG (São Paulo's, the common form with a check character): weights
 * 2..9 modulo 11, 10 written X. Other states' forms carry no check. */
static bool rg_ok(const char *p, size_t n)
{
    char s[16];
    if (alnum_of(p, n, s, sizeof s) != 9) return true;
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        sum += (s[i] - '0') * (i + 2);
    }
    int c = sum % 11;
    return s[8] == (c == 10 ? 'X' : '0' + c);
}

/* A secret access key is random base64: upper and lower case and a digit. */
static bool secret_ok(const char *p, size_t n)
{
    bool up = false, low = false, dig = false;
    for (size_t i = 0; i < n; i++)
        up |= isupper((unsigned char)p[i]), low |= islower((unsigned char)p[i]), dig |= isdigit((unsigned char)p[i]);
    return up && low && dig;
}

/* A VIN mixes letters and digits (a word or a plain number is not one). */
static bool vin_ok(const char *p, size_t n)
{
    bool alpha = false, dig = false;
    for (size_t i = 0; i < n; i++) alpha |= isalpha((unsigned char)p[i]), dig |= isdigit((unsigned char)p[i]);
    return alpha && dig;
}

/* A phone number has 8 to 15 digits (E.164's longest). */
static bool phone_ok(const char *p, size_t n)
{
    int d[16];
    size_t k = digits_of(p, n, d, 15);
    return k >= 8 && k <= 15;
}

/* ==== Keywords (AWS's tables; matched case-insensitively, a space also as
 * "", "_" or "-") ==== */

#define KW(name, ...) static const char *const name[] = {__VA_ARGS__, NULL}

KW(kw_secret, "aws_secret_access_key", "credentials", "secret access key", "secret key", "set-awscredential");
KW(kw_card_exp, "exp d", "exp m", "exp y", "expiration", "expiry");
KW(kw_stripe, "card data", "iso7813", "mag", "magstripe", "stripe", "swipe");
KW(kw_card, "account number", "american express", "amex", "bank card", "card", "card num", "card number", "cc #", "ccn",
   "check card", "credit", "credit card#", "dankort", "debit", "debit card", "diners club", "discover", "electron",
   "japanese card bureau", "jcb", "mastercard", "mc", "pan", "payment account number", "payment card number", "pcn",
   "union pay", "visa");
KW(kw_cvv, "card id", "card identification code", "card identification number", "card security code",
   "card validation code", "card validation number", "card verification data", "card verification value", "cvc", "cvc2",
   "cvv", "cvv2", "elo verification code");
KW(kw_dob, "dob", "date of birth", "birthdate", "birth date", "birthday", "b-day", "bday");
KW(kw_latlong, "coordinate", "coordinates", "lat long", "latitude longitude", "location", "position");
KW(kw_vin, "fahrgestellnummer", "niv", "numarul de identificare", "numarul seriei de sasiu", "serie sasiu", "numer vin",
   "número de identificação do veículo", "número de identificación de automóviles",
   "numéro d'identification du véhicule", "vehicle identification number", "vin", "vin numeris");
/* Name has no keyword at AWS (machine learning); these anchor the
 * approximation (titles with their dot: "ms" alone is milliseconds). */
KW(kw_name, "name", "full name", "customer", "patient", "employee", "contact", "dear", "mr.", "mrs.", "ms.", "dr.",
   "signed by");
KW(kw_bank_fr, "account code", "account number", "accountno#", "accountnumber#", "bban", "code bancaire",
   "compte bancaire", "customer account id", "customer account number", "customer bank account id", "iban",
   "numéro de compte");
KW(kw_bank_de, "account code", "account number", "accountno#", "accountnumber#", "bankleitzahl", "bban",
   "customer account id", "customer account number", "customer bank account id", "geheimzahl", "iban", "kartennummer",
   "kontonummer", "kreditkartennummer", "sepa");
KW(kw_bank_it, "account code", "account number", "accountno#", "accountnumber#", "bban", "codice bancario",
   "conto bancario", "customer account id", "customer account number", "customer bank account id", "iban",
   "numero di conto");
KW(kw_bank_es, "account code", "account number", "accountno#", "accountnumber#", "bban", "código cuenta",
   "código cuenta bancaria", "cuenta cliente id", "customer account id", "customer account number",
   "customer bank account id", "iban", "número cuenta bancaria cliente", "número cuenta cliente");
KW(kw_bank_gb, "account code", "account number", "accountno#", "accountnumber#", "bban", "customer account id",
   "customer account number", "customer bank account id", "iban", "sepa");
KW(kw_bank_us, "bank account", "bank acct", "checking account", "checking acct", "deposit account", "deposit acct",
   "savings account", "savings acct", "chequing account", "chequing acct");
KW(kw_cep, "cep", "código de endereçamento postal", "codigo de endereçamento postal");
KW(kw_cnpj, "cadastro nacional da pessoa jurídica", "cadastro nacional da pessoa juridica", "cnpj");
KW(kw_cpf, "cadastro de pessoas fisicas", "cadastro de pessoas físicas", "cadastro de pessoa física",
   "cadastro de pessoa fisica", "cpf");
KW(kw_dl_en, "dl#", "dl:", "dlno#", "driver licence", "driver licences", "driver license", "driver licenses",
   "driver permit", "drivers lic.", "drivers licence", "driver's licence", "drivers licences", "driver's licences",
   "drivers license", "driver's license", "drivers licenses", "driver's licenses", "drivers permit", "driver's permit",
   "drivers permit number", "driving licence", "driving license", "driving permit");
KW(kw_dl_ca, "dl#", "dl:", "dlno#", "driver licence", "driver licences", "driver license", "driver licenses",
   "driver permit", "drivers lic.", "drivers licence", "driver's licence", "drivers licences", "driver's licences",
   "drivers license", "driver's license", "drivers licenses", "driver's licenses", "drivers permit", "driver's permit",
   "drivers permit number", "driving licence", "driving license", "driving permit", "permis de conduire");
KW(kw_dl_at, "führerschein", "fuhrerschein", "führerschein republik österreich", "fuhrerschein republik osterreich");
KW(kw_dl_be, "fuehrerschein", "fuehrerschein- nr", "fuehrerscheinnummer", "fuhrerschein", "führerschein",
   "fuhrerschein- nr", "führerschein- nr", "fuhrerscheinnummer", "führerscheinnummer", "numéro permis conduire",
   "permis de conduire", "rijbewijs", "rijbewijsnummer");
KW(kw_dl_bg, "превозно средство", "свидетелство за управление на моторно", "свидетелство за управление на мпс", "сумпс",
   "шофьорска книжка");
KW(kw_dl_hr, "vozačka dozvola");
KW(kw_dl_cy, "άδεια οδήγησης");
KW(kw_dl_cz, "číslo licence", "císlo licence řidiče", "číslo řidičského průkazu", "ovladače lic.", "povolení k jízdě",
   "povolení řidiče", "řidiči povolení", "řidičský prúkaz", "řidičský průkaz");
KW(kw_dl_dk, "kørekort", "kørekortnummer");
KW(kw_dl_ee, "juhi litsentsi number", "juhiloa number", "juhiluba", "juhiluba number");
KW(kw_dl_fi, "ajokortin numero", "ajokortti", "förare lic.", "körkort", "körkort nummer", "kuljettaja lic.",
   "permis de conduire");
KW(kw_dl_fr, "permis de conduire");
KW(kw_dl_de, "fuehrerschein", "fuehrerschein- nr", "fuehrerscheinnummer", "fuhrerschein", "führerschein",
   "fuhrerschein- nr", "führerschein- nr", "fuhrerscheinnummer", "führerscheinnummer");
KW(kw_dl_gr, "δεια οδήγησης", "adeia odigisis");
KW(kw_dl_hu, "illesztőprogramok lic", "jogosítvány", "jogsi", "licencszám", "vezető engedély", "vezetői engedély");
KW(kw_dl_ie, "ceadúnas tiomána");
KW(kw_dl_it, "patente di guida", "patente di guida numero", "patente guida", "patente guida numero");
KW(kw_dl_lv, "autovadītāja apliecība", "licences numurs", "vadītāja apliecība", "vadītāja apliecības numurs",
   "vadītāja atļauja", "vadītāja licences numurs", "vadītāji lic.");
KW(kw_dl_lt, "vairuotojo pažymėjimas");
KW(kw_dl_lu, "fahrerlaubnis", "führerschäin");
KW(kw_dl_mt, "liċenzja tas-sewqan");
KW(kw_dl_nl, "permis de conduire", "rijbewijs", "rijbewijsnummer");
KW(kw_dl_pl, "numer licencyjny", "prawo jazdy", "zezwolenie na prowadzenie");
KW(kw_dl_pt, "carta de condução", "carteira de habilitação", "carteira de motorist", "carteira habilitação",
   "carteira motorist", "licença condução", "licença de condução", "número de licença", "número licença",
   "permissão condução", "permissão de condução");
KW(kw_dl_ro, "numărul permisului de conducere", "permis de conducere");
KW(kw_dl_sk, "číslo licencie", "číslo vodičského preukazu", "ovládače lic.", "povolenia vodičov", "povolenie jazdu",
   "povolenie na jazdu", "povolenie vodiča", "vodičský preukaz");
KW(kw_dl_si, "vozniško dovoljenje");
KW(kw_dl_es, "carnet conducer", "el carnet de conducer", "licencia conducer", "licencia de manejo",
   "número carnet conducer", "número de carnet de conducer", "número de permiso conducer",
   "número de permiso de conducer", "número licencia conducer", "número permiso conducer", "permiso conducción",
   "permiso conducer", "permiso de conducción");
KW(kw_dl_se, "ajokortin numero", "dlno#", "ajokortti", "drivere lic.", "förare lic.", "körkort", "körkort nummer",
   "körkortsnummer", "kuljettajat lic.");
KW(kw_electoral, "electoral#", "electoral #", "electoralnumber", "electoral number", "electoralroll#",
   "electoral roll#", "electoral roll #", "electoral roll no.", "electoral roll number", "electoralrollno");
KW(kw_id_br, "registro geral", "rg");
KW(kw_id_fr, "assurance sociale", "carte nationale d’identité", "cni", "code sécurité sociale",
   "french social security number", "fssn#", "insee", "insurance number", "national id number", "nationalid#",
   "numéro d'assurance", "sécurité sociale", "sécurité sociale non.", "sécurité sociale numéro", "social",
   "social security", "social security number", "socialsecuritynumber", "ss#", "ssn", "ssn#");
KW(kw_id_de, "ausweisnummer", "id number", "identification number", "identity number", "insurance number",
   "personal id", "personalausweis");
KW(kw_id_it, "codice fiscal", "dati anagrafici", "ehic", "health card", "health insurance card", "p. iva",
   "partita i.v.a.", "personal data", "tax code", "tessera sanitaria");
KW(kw_id_es, "dni", "dni#", "dninúmero#", "documento nacional de identidad", "identidad único", "identidadúnico#",
   "insurance number", "national identification number", "national identity", "nationalid#", "nationalidno#",
   "número nacional identidad", "personal identification number", "personal identity no", "unique identity number",
   "uniqueid#");
KW(kw_nino, "insurance no.", "insurance number", "insurance#", "national insurance number", "nationalinsurance#",
   "nationalinsurancenumber", "nin", "nino");
KW(kw_pass_ca, "passeport", "passeport#", "passport", "passport#", "passportno", "passportno#");
KW(kw_pass_fr, "numéro de passeport", "passeport", "passeport#", "passeport #", "passeportn °", "passeport n °",
   "passeportnon", "passeport non");
KW(kw_pass_de, "ausstellungsdatum", "ausstellungsort", "geburtsdatum", "passport", "passports", "reisepass",
   "reisepass–nr", "reisepassnummer");
KW(kw_pass_it, "italian passport number", "numéro passeport", "numéro passeport italien", "passaporto",
   "passaporto italiana", "passaporto numero", "passport number", "repubblica italiana passaporto");
KW(kw_pass_es, "españa pasaporte", "libreta pasaporte", "número pasaporte", "pasaporte", "passport", "passport book",
   "passport no", "passport number", "spain passport");
KW(kw_pass_gb, "passeport #", "passeport n °", "passeportnon", "passeport non", "passeportn °", "passport #",
   "passport no", "passport number", "passport#", "passportid");
KW(kw_pass_us, "passport", "travel document");
KW(kw_pr_ca, "carte résident permanent", "numéro carte résident permanent", "numéro résident permanent",
   "permanent resident card", "permanent resident card number", "permanent resident no", "permanent resident no.",
   "permanent resident number", "pr no", "pr no.", "pr non", "pr number", "résident permanent no.",
   "résident permanent non");
KW(kw_phone, "cell", "contact", "fax", "fax number", "mobile", "phone", "phone number", "tel", "telephone",
   "telephone number");
KW(kw_phone_br, "cel", "celular", "fone", "móvel", "número residencial", "numero residencial", "telefone", "cell",
   "contact", "fax", "fax number", "mobile", "phone", "phone number", "tel", "telephone", "telephone number");
KW(kw_sin, "canadian id", "numéro d'assurance sociale", "social insurance number", "sin");
KW(kw_ssn_es, "número de la seguridad social", "social security no.", "social security number", "socialsecurityno#",
   "ssn", "ssn#");
KW(kw_ssn_us, "social security", "ss#", "ssn");
KW(kw_tax_fr, "numéro d'identification fiscale", "tax id", "tax identification number", "tax number", "tin", "tin#");
KW(kw_tax_de, "identifikationsnummer", "steuer id", "steueridentifikationsnummer", "steuernummer", "tax id",
   "tax identification number", "tax number");
KW(kw_tax_es, "cif", "cif número", "cifnúmero#", "nie", "nif", "número de contribuyente",
   "número de identidad de extranjero", "número de identificación fiscal", "número de impuesto corporativo",
   "personal tax number", "tax id", "tax identification number", "tax number", "tin", "tin#");
KW(kw_tax_gb, "paye", "tax id", "tax id no.", "tax id number", "tax identification", "tax identification#", "tax no.",
   "tax number", "tax reference", "tax#", "taxid#", "temporary reference number", "tin", "trn", "unique tax reference",
   "unique taxpayer reference", "utr");
KW(kw_tax_us, "individual taxpayer identification number", "itin", "i.t.i.n.");
KW(kw_zip, "zip code", "zip+4");
KW(kw_dea, "dea number", "dea registration");
KW(kw_ehic, "assicurazione sanitaria numero", "carta assicurazione numero", "carte d’assurance maladie",
   "carte européenne d'assurance maladie", "ceam", "ehic", "ehic#", "finlandehicnumber#", "gesundheitskarte",
   "hälsokort", "health card", "health card number", "health insurance card", "health insurance number",
   "insurance card number", "krankenversicherungskarte", "krankenversicherungsnummer", "medical account number",
   "numero conto medico", "numéro d’assurance maladie", "numéro de carte d’assurance", "numéro de compte medical",
   "número de cuenta médica", "número de seguro de salud", "número de tarjeta de seguro", "sairaanhoitokortin",
   "sairausvakuutuskortti", "sairausvakuutusnumero", "sjukförsäkring nummer", "sjukförsäkringskort",
   "suomi ehic-numero", "tarjeta de salud", "terveyskortti", "tessera sanitaria assicurazione numero",
   "versicherungsnummer");
KW(kw_hicn, "health insurance claim number", "hic no", "hic no.", "hic number", "hic#", "hicn", "hicn#.", "hicno#");
KW(kw_health_fr, "carte d'assuré social", "carte vitale", "insurance card");
KW(kw_hcpcs, "current procedural terminology", "hcpcs", "healthcare common procedure coding system");
KW(kw_mbi, "mbi", "medicare beneficiary");
KW(kw_ndc, "national drug code", "ndc");
KW(kw_npi, "hipaa", "n.p.i", "national provider", "npi");
KW(kw_nhs, "national health service", "nhs");
KW(kw_phn, "canada healthcare number", "msp number", "personal healthcare number", "phn", "soins de santé");

/* ==== The catalogue ==== */

enum {
    WORD = 1, /* the match may not touch a letter or digit on either side */
    INTL = 2, /* the keywords are needed only without a +country code (phone numbers) */
};

/* Fragments shared by several expressions. */
#define D "[0-9]"
#define IPV4_OCTET "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#define IBAN_SP " ?"
#define MONTHS "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
#define NIR "[12] ?[0-9]{2} ?(0[1-9]|1[0-2]|[2-9][0-9]) ?([0-9]{2}|2[ABab]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}"
#define PEM(kind) "-----BEGIN " kind "-----([^-]|-[^-])*-----END " kind "-----"

/* AWS's catalogue of managed data identifiers (CloudWatch Logs User Guide,
 * "Types of data that you can protect"; the SNS Developer Guide lists the
 * same), one entry each: the ID as the ARN ends, a POSIX extended expression
 * of the documented format, the keywords of which one must be within 30
 * characters when AWS requires one, and the format's checksum. AWS does not
 * publish its expressions: where it documents no format (driver's licences,
 * most passports), the expression is the national number's usual shape and
 * the required keyword keeps the false positives down. */
static const struct {
    const char *name, *re;
    const char *const *kw;
    bool (*check)(const char *p, size_t n);
    unsigned flags;
} catalogue[] = {
    /* -- language and region independent -- */
    /* Address is found by machine learning at AWS; this approximation wants a
     * house number, a street with its suffix, a place and a ZIP/postal code,
     * which AWS documents as required for a detection. */
    {"Address",
     "[0-9]{1,6} ([A-Z][a-z]+ ){1,4}(Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|"
     "Place|Pl|Terrace|Square|Sq)\\.?,? ([A-Z][a-z]+ ?){1,3},? ([A-Z]{2} )?([0-9]{5}(-[0-9]{4})?|[A-Z][0-9][A-Z] "
     "?[0-9][A-Z][0-9]|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2})",
     NULL, NULL, 0},
    {"AwsSecretKey", "[A-Za-z0-9/+]{40}", kw_secret, secret_ok, WORD},
    {"CreditCardExpiration", "(0[1-9]|1[0-2]) ?[/-] ?([0-9]{2}|20[0-9]{2})", kw_card_exp, NULL, WORD},
    {"CreditCardMagneticStripe",
     "%B[0-9]{13,19}\\^[A-Za-z /.]{2,26}\\^[0-9]{7}[0-9]*\\?|;[0-9]{13,19}=[0-9]{7}[0-9]*\\?", kw_stripe, NULL, 0},
    {"CreditCardNumber", "[0-9]{4}([ -]?[0-9]{4}){2}[ -]?[0-9]{1,7}|[0-9]{4}[ -]?[0-9]{6}[ -]?[0-9]{4,5}", kw_card,
     card_ok, WORD},
    {"CreditCardSecurityCode", "[0-9]{3,4}", kw_cvv, NULL, WORD},
    {"DateOfBirth",
     "[0-9]{1,2}[ /.-][0-9]{1,2}[ /.-](19|20)?[0-9]{2}|(19|20)[0-9]{2}[ /.-][0-9]{1,2}[ /.-][0-9]{1,2}|[0-9]{1,2}[ "
     "/-]" MONTHS ",?[ /-](19|20)[0-9]{2}|" MONTHS " [0-9]{1,2},? (19|20)[0-9]{2}",
     kw_dob, NULL, WORD},
    {"EmailAddress", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}", NULL, NULL, 0},
    {"IpAddress",
     IPV4_OCTET "(\\." IPV4_OCTET
                "){3}|([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|([0-9A-Fa-f]{1,4}:){1,6}(:[0-9A-Fa-f]{1,4}){1,6}",
     NULL, NULL, WORD},
    /* AWS: a latitude and longitude pair in decimal degrees (41.948614,-87.655311). */
    {"LatLong",
     "[-+]?([1-8]?[0-9]\\.[0-9]{1,15}|90\\.0{1,15}), ?[-+]?(1[0-7][0-9]\\.[0-9]{1,15}|[1-9]?[0-9]\\.[0-9]{1,15}|"
     "180\\.0{1,15})",
     kw_latlong, NULL, WORD},
    /* Name is found by machine learning at AWS ("full names only", Latin
     * characters); this approximation takes two or three capitalised words
     * near a word that introduces a person. */
    {"Name", "[A-Z][a-z]+( [A-Z]\\.)? [A-Z][a-z'-]+( [A-Z][a-z'-]+)?", kw_name, NULL, WORD},
    {"OpenSshPrivateKey", PEM("OPENSSH PRIVATE KEY"), NULL, NULL, 0},
    {"PgpPrivateKey", PEM("PGP PRIVATE KEY BLOCK"), NULL, NULL, 0},
    {"PkcsPrivateKey", PEM("(RSA |DSA |EC |ENCRYPTED )?PRIVATE KEY"), NULL, NULL, 0},
    {"PuttyPrivateKey", "PuTTY-User-Key-File-[23]: .*Private-MAC: [0-9A-Fa-f]+", NULL, NULL, 0},
    /* AWS: 17 characters of ISO 3779/3780 (no I, O or Q). */
    {"VehicleIdentificationNumber", "[A-HJ-NPR-Z0-9]{17}", kw_vin, vin_ok, WORD},
    /* -- financial -- */
    {"BankAccountNumber-DE", "DE[0-9]{2}(" IBAN_SP "[0-9]{4}){4}" IBAN_SP "[0-9]{2}", kw_bank_de, iban_ok, WORD},
    {"BankAccountNumber-ES", "ES[0-9]{2}(" IBAN_SP "[0-9]{4}){5}", kw_bank_es, iban_ok, WORD},
    {"BankAccountNumber-FR", "FR[0-9]{2}(" IBAN_SP "[0-9A-Z]{4}){5}" IBAN_SP "[0-9A-Z]{3}", kw_bank_fr, iban_ok, WORD},
    {"BankAccountNumber-GB", "GB[0-9]{2}" IBAN_SP "[A-Z]{4}(" IBAN_SP "[0-9]{4}){3}" IBAN_SP "[0-9]{2}", kw_bank_gb,
     iban_ok, WORD},
    {"BankAccountNumber-IT", "IT[0-9]{2}" IBAN_SP "[A-Z][0-9]{3}(" IBAN_SP "[0-9A-Z]{4}){4}" IBAN_SP "[0-9A-Z]{3}",
     kw_bank_it, iban_ok, WORD},
    {"BankAccountNumber-US", "[0-9]{8,17}", kw_bank_us, NULL, WORD},
    /* -- Brazil -- */
    {"CepCode-BR", "[0-9]{5}-?[0-9]{3}", kw_cep, NULL, WORD},
    {"Cnpj-BR", "[0-9]{2}\\.?[0-9]{3}\\.?[0-9]{3}/?[0-9]{4}-?[0-9]{2}", kw_cnpj, cnpj_ok, WORD},
    {"CpfCode-BR", "[0-9]{3}\\.?[0-9]{3}\\.?[0-9]{3}-?[0-9]{2}", kw_cpf, cpf_ok, WORD},
    {"RgNumber-BR", "[0-9]{1,2}\\.?[0-9]{3}\\.?[0-9]{3}-?[0-9Xx]", kw_id_br, rg_ok, WORD},
    {"PhoneNumber-BR", "(\\+55[ -]?)?\\(?[1-9][0-9]\\)?[ -]?9?[0-9]{4}[ -]?[0-9]{4}", kw_phone_br, phone_ok,
     WORD | INTL},
    /* -- driver's licences (keyword required; national shapes) -- */
    {"DriversLicense-AT", "[0-9]{8}", kw_dl_at, NULL, WORD},
    {"DriversLicense-AU", "[A-Z]{0,2}[0-9]{6,10}", kw_dl_en, NULL, WORD},
    {"DriversLicense-BE", "[0-9]{10}", kw_dl_be, NULL, WORD},
    {"DriversLicense-BG", "[0-9]{9}", kw_dl_bg, NULL, WORD},
    {"DriversLicense-CA", "[A-Z][0-9]{4}-?[0-9]{5}-?[0-9]{5}|[A-Z][0-9]{4}-?[0-9]{6}-?[0-9]{2}|[A-Z]?[0-9]{5,9}",
     kw_dl_ca, NULL, WORD},
    {"DriversLicense-CY", "[0-9]{12}", kw_dl_cy, NULL, WORD},
    {"DriversLicense-CZ", "[A-Z]{2} ?[0-9]{6}", kw_dl_cz, NULL, WORD},
    {"DriversLicense-DE", "[A-Z0-9][0-9]{2}[A-Z0-9]{6}[0-9][A-Z0-9]", kw_dl_de, NULL, WORD},
    {"DriversLicense-DK", "[0-9]{8}", kw_dl_dk, NULL, WORD},
    {"DriversLicense-EE", "[A-Z]{2}[0-9]{6}", kw_dl_ee, NULL, WORD},
    {"DriversLicense-ES", "[0-9]{8}-?[A-Z]", kw_dl_es, dni_ok, WORD},
    {"DriversLicense-FI", "[0-9]{6}[-+A][0-9]{3}[0-9A-Y]|[0-9]{8,10}", kw_dl_fi, NULL, WORD},
    {"DriversLicense-FR", "[0-9]{12}|[0-9]{2}[A-Z]{2}[0-9]{5}", kw_dl_fr, NULL, WORD},
    /* DVLA: surname (9-padded), birth date (month +50 for women), initials, a digit, two check letters. */
    {"DriversLicense-GB", "[A-Z9]{5}[0-9]([05][1-9]|[16][0-2])(0[1-9]|[12][0-9]|3[01])[0-9][A-Z9]{2}[0-9][A-Z]{2}",
     kw_dl_en, NULL, WORD},
    {"DriversLicense-GR", "[0-9]{9}", kw_dl_gr, NULL, WORD},
    {"DriversLicense-HR", "[0-9]{8,9}", kw_dl_hr, NULL, WORD},
    {"DriversLicense-HU", "[A-Z]{2}[0-9]{6}", kw_dl_hu, NULL, WORD},
    {"DriversLicense-IE", "[0-9]{3}-?[0-9]{3}-?[0-9]{3}", kw_dl_ie, NULL, WORD},
    {"DriversLicense-IT", "[A-Z]{2}[0-9]{7}[A-Z]|U1[A-Z0-9]{7}[A-Z]", kw_dl_it, NULL, WORD},
    {"DriversLicense-LT", "[0-9]{8}", kw_dl_lt, NULL, WORD},
    {"DriversLicense-LU", "[0-9]{6}", kw_dl_lu, NULL, WORD},
    {"DriversLicense-LV", "[A-Z]{2}[0-9]{6}", kw_dl_lv, NULL, WORD},
    {"DriversLicense-MT", "[0-9]{3,7}[A-Z]", kw_dl_mt, NULL, WORD},
    {"DriversLicense-NL", "[0-9]{10}", kw_dl_nl, NULL, WORD},
    {"DriversLicense-PL", "[0-9]{5}/[0-9]{2}/[0-9]{4}|[0-9]{11}", kw_dl_pl, NULL, WORD},
    {"DriversLicense-PT", "[A-Z]{1,2}-?[0-9]{6} ?[0-9]", kw_dl_pt, NULL, WORD},
    {"DriversLicense-RO", "[0-9]{9}|[0-9]{13}", kw_dl_ro, NULL, WORD},
    {"DriversLicense-SE", "[0-9]{6}-?[0-9]{4}", kw_dl_se, NULL, WORD},
    {"DriversLicense-SI", "[0-9]{8}", kw_dl_si, NULL, WORD},
    {"DriversLicense-SK", "[A-Z]{2}[0-9]{6}", kw_dl_sk, NULL, WORD},
    {"DriversLicense-US", "[A-Z][0-9]{3}-[0-9]{3,4}-[0-9]{2,4}(-[0-9]{3}-[0-9])?|[A-Z]{0,2}[0-9]{4,14}", kw_dl_en, NULL,
     WORD},
    /* -- health (PHI) -- */
    {"DrugEnforcementAgencyNumber-US", "[A-Z]{2}[0-9]{7}", kw_dea, dea_ok, WORD},
    {"HealthInsuranceCardNumber-EU", "[0-9]{20}", kw_ehic, NULL, WORD},
    /* HICN: an SSN and a beneficiary code of one or two characters. */
    {"HealthInsuranceClaimNumber-US", "[0-9]{3}-?[0-9]{2}-?[0-9]{4}-?[A-Z][0-9A-Z]?", kw_hicn, ssn_us_ok, WORD},
    {"HealthInsuranceNumber-FR", NIR, kw_health_fr, nir_ok, WORD},
    /* HCPCS level II (a letter, four digits) and CPT (level I) codes. */
    {"HealthcareProcedureCode-US", "[A-V][0-9]{4}|[0-9]{4}[0-9FTU]", kw_hcpcs, NULL, WORD},
    {"MedicareBeneficiaryNumber-US",
     "[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y]{2}"
     "[0-9]{2}",
     kw_mbi, NULL, WORD},
    {"NationalDrugCode-US",
     "[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3}-[0-9]{2}|[0-9]{5}-[0-9]{4}-[0-9]{1,2}|[0-9]{10,11}", kw_ndc, NULL,
     WORD},
    {"NationalProviderId-US", "[12][0-9]{9}", kw_npi, npi_ok, WORD},
    {"NhsNumber-GB", "[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}", kw_nhs, nhs_ok, WORD},
    {"PersonalHealthNumber-CA", "[0-9]{4}[ -]?[0-9]{3}[ -]?[0-9]{3}([ -]?[A-Z]{2})?", kw_phn, NULL, WORD},
    /* -- personal, by country -- */
    {"ElectoralRollNumber-GB", "[A-Z]{2,3}-?[0-9]{1,5}", kw_electoral, NULL, WORD},
    {"IndividualTaxIdentificationNumber-US", "9[0-9]{2}[- ]?(5[0-9]|6[0-5]|7[0-9]|8[0-8]|9[0-2]|9[4-9])[- ]?[0-9]{4}",
     kw_tax_us, NULL, WORD},
    {"InseeCode-FR", NIR, kw_id_fr, nir_ok, WORD},
    {"NationalIdentificationNumber-DE", "[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}[0-9]?", kw_id_de, de_id_ok, WORD},
    {"NationalIdentificationNumber-ES", "[0-9]{8}-?[A-Z]", kw_id_es, dni_ok, WORD},
    {"NationalIdentificationNumber-IT",
     "[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]", kw_id_it,
     codice_fiscale_ok, WORD},
    {"NationalInsuranceNumber-GB", "[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]", kw_nino,
     nino_ok, WORD},
    {"NieNumber-ES", "[XYZ]-?[0-9]{7}-?[A-Z]", kw_tax_es, nie_ok, WORD},
    {"NifNumber-ES", "[0-9]{8}-?[A-Z]|[KLM][0-9]{7}[A-Z]", kw_tax_es, nif_ok, WORD},
    {"PassportNumber-CA", "[A-Z]{2}[0-9]{6}", kw_pass_ca, NULL, WORD},
    {"PassportNumber-DE", "[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}", kw_pass_de, NULL, WORD},
    {"PassportNumber-ES", "[A-Z]{2,3}[0-9]{6}", kw_pass_es, NULL, WORD},
    {"PassportNumber-FR", "[0-9]{2}[A-Z]{2}[0-9]{5}", kw_pass_fr, NULL, WORD},
    {"PassportNumber-GB", "[0-9]{9}|[A-Z]{2}[0-9]{7}", kw_pass_gb, NULL, WORD},
    {"PassportNumber-IT", "[A-Z0-9]{2}[0-9]{7}", kw_pass_it, NULL, WORD},
    {"PassportNumber-US", "[0-9]{9}|[A-Z][0-9]{8}", kw_pass_us, NULL, WORD},
    {"PermanentResidenceNumber-CA", "[A-Z]{2}[0-9]{7}|[0-9]{8}", kw_pr_ca, NULL, WORD},
    /* AWS: a keyword near a phone number, or else a country code in it. */
    {"PhoneNumber",
     "\\+[1-9][0-9]{0,2}([ .-]?\\(?[0-9]{1,4}\\)?){2,5}|\\(?[2-9][0-9]{2}\\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}",
     kw_phone, phone_ok, WORD | INTL},
    {"PhoneNumber-DE", "(\\+49[ -]?(\\(0\\))?|0)[1-9][0-9]{1,4}[ /-]?[0-9]{3,9}", kw_phone, phone_ok, WORD | INTL},
    {"PhoneNumber-ES", "(\\+34[ -]?)?[6789][0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{3}", kw_phone, phone_ok, WORD | INTL},
    {"PhoneNumber-FR", "(\\+33[ .-]?(\\(0\\))?|0)[1-9]([ .-]?[0-9]{2}){4}", kw_phone, phone_ok, WORD | INTL},
    {"PhoneNumber-GB", "(\\+44[ -]?(\\(0\\))?|0)[1-9][0-9]{1,4}[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}", kw_phone, phone_ok,
     WORD | INTL},
    {"PhoneNumber-IT", "(\\+39[ -]?)?(3[0-9]{2}|0[0-9]{1,3})[ -]?[0-9]{6,8}", kw_phone, phone_ok, WORD | INTL},
    {"PhoneNumber-US", "(\\+1[ .-]?)?\\(?[2-9][0-9]{2}\\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}", kw_phone, phone_ok,
     WORD | INTL},
    {"PostalCode-CA", "[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]", NULL, NULL, WORD},
    {"SocialInsuranceNumber-CA", "[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}", kw_sin, luhn9_ok, WORD},
    {"Ssn-ES", "[0-9]{2}[ /-]?[0-9]{8}[ /-]?[0-9]{2}", kw_ssn_es, es_ssn_ok, WORD},
    {"Ssn-US", "[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}", kw_ssn_us, ssn_us_ok, WORD},
    {"TaxId-DE", "[1-9][0-9] ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}|[1-9][0-9]{10}", kw_tax_de, de_taxid_ok, WORD},
    {"TaxId-ES", "[ABCDEFGHJNPQRSUVW]-?[0-9]{7}-?[0-9A-J]", kw_tax_es, cif_ok, WORD},
    {"TaxId-FR", "[0-3][0-9] ?[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}", kw_tax_fr, fr_tin_ok, WORD},
    /* UTR (ten digits) and TRN (two digits, a letter, five digits). */
    {"TaxId-GB", "[0-9]{5} ?[0-9]{5}|[0-9]{2}[A-Z][0-9]{5}", kw_tax_gb, NULL, WORD},
    {"ZipCode-US", "[0-9]{5}(-[0-9]{4})?", kw_zip, NULL, WORD},
};

#define N_CATALOGUE (sizeof catalogue / sizeof catalogue[0])

/* AWS: "the keyword typically has to be within 30 characters (inclusively)
 * of the data". */
#define KW_PROXIMITY 30

typedef struct {
    const regex_t *re;
    const char *const *kw; /* NULL: no keyword needed */
    bool (*check)(const char *p, size_t n);
    unsigned flags;
    str_t name; /* as findings name it: EmailAddress, or the custom identifier's name */
} detector_t;

struct dataident {
    detector_t **d; /* each allocated apart, so that growing d never moves one */
    size_t n, cap;
};

const char *dataident_posix_regex(arena_t *a, str_t re)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < re.len; i++) {
        if (re.p[i] == '\\' && i + 1 < re.len && strchr("dwsDWS", re.p[i + 1])) {
            static const char *const cls[] = {"[0-9]",  "[A-Za-z0-9_]",  "[[:space:]]",
                                              "[^0-9]", "[^A-Za-z0-9_]", "[^[:space:]]"};
            buf_puts(&b, cls[strchr("dwsDWS", re.p[++i]) - "dwsDWS"]);
        } else {
            buf_putc(&b, re.p[i]);
        }
    }
    return buf_str(&b).p ? arena_strndup(a, buf_str(&b).p, buf_str(&b).len) : NULL;
}

/* The catalogue is long: messages point to AWS's page of it instead of
 * listing every name. */
const char *dataident_managed_names(void)
{
    return "AWS's catalogue at "
           "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL-managed-data-identifiers.html";
}

size_t dataident_managed_count(void)
{
    return N_CATALOGUE;
}

const char *dataident_managed_name(size_t i)
{
    return i < N_CATALOGUE ? catalogue[i].name : NULL;
}

dataident_t *dataident_new(arena_t *a)
{
    return ARENA_NEW(a, dataident_t);
}

size_t dataident_count(const dataident_t *d)
{
    return d ? d->n : 0;
}

str_t dataident_name(const dataident_t *d, size_t i)
{
    return d && i < d->n ? d->d[i]->name : STR_NULL;
}

static void regex_free(void *re)
{
    regfree(re);
}

static bool has(const dataident_t *d, str_t name)
{
    for (size_t i = 0; i < d->n; i++)
        if (str_eq(d->d[i]->name, name)) return true;
    return false;
}

static bool push(dataident_t *d, arena_t *a, detector_t *det)
{
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 8;
        detector_t **nd = arena_realloc(a, d->d, d->cap * sizeof *nd, nc * sizeof *nd);
        if (!nd) return false;
        d->d = nd, d->cap = nc;
    }
    d->d[d->n++] = det;
    return true;
}

/* Managed expressions, compiled on first use and kept for the process:
 * regexec only reads a compiled expression, so requests share them. */
static regex_t compiled[N_CATALOGUE];
static bool compiled_ok[N_CATALOGUE];
static pthread_mutex_t compiled_mu = PTHREAD_MUTEX_INITIALIZER;

static const regex_t *managed_regex(size_t i)
{
    pthread_mutex_lock(&compiled_mu);
    if (!compiled_ok[i]) compiled_ok[i] = regcomp(&compiled[i], catalogue[i].re, REG_EXTENDED) == 0;
    bool ok = compiled_ok[i];
    pthread_mutex_unlock(&compiled_mu);
    return ok ? &compiled[i] : NULL;
}

bool dataident_add_managed(dataident_t *d, arena_t *a, str_t name, const char **why)
{
    for (size_t i = 0; i < N_CATALOGUE; i++) {
        if (!str_eq(name, str_c(catalogue[i].name))) continue;
        if (has(d, name)) return *why = NULL, true;
        *why = "Out of memory.";
        const regex_t *re = managed_regex(i);
        detector_t *det = ARENA_NEW(a, detector_t);
        if (!re || !det) return false; /* a catalogue expression that does not compile fails the unit test */
        *det = (detector_t){re, catalogue[i].kw, catalogue[i].check, catalogue[i].flags, str_c(catalogue[i].name)};
        if (!push(d, a, det)) return false;
        *why = NULL;
        return true;
    }
    *why = arena_printf(a, "%.*s is not a managed data identifier (see %s).", STR_FMT(name), dataident_managed_names());
    return false;
}

bool dataident_add_custom(dataident_t *d, arena_t *a, str_t name, str_t regex, const char **why)
{
    *why = NULL;
    if (has(d, name)) return true;
    *why = "Out of memory.";
    const char *re = dataident_posix_regex(a, regex);
    detector_t *det = ARENA_NEW(a, detector_t);
    regex_t *own = ARENA_NEW(a, regex_t);
    if (!re || !det || !own) return false;
    if (regcomp(own, re, REG_EXTENDED) != 0) {
        *why = arena_printf(a, "The regular expression of custom data identifier %.*s is not valid.", STR_FMT(name));
        return false;
    }
    arena_defer(a, regex_free, own);
    *det = (detector_t){.re = own, .name = name};
    if (!push(d, a, det)) return false;
    *why = NULL;
    return true;
}

/* ==== Keywords and the scan ==== */

static bool is_word(int c)
{
    return isalnum((unsigned char)c);
}

/* The length of keyword kw at s[p] (ASCII case folded; a space in kw also
 * matches "_", "-" or nothing, as AWS documents), or 0. */
static size_t keyword_at(const char *s, size_t len, size_t p, const char *kw)
{
    size_t i = p;
    for (const char *k = kw; *k; k++) {
        if (*k == ' ') {
            if (i < len && (s[i] == ' ' || s[i] == '_' || s[i] == '-')) i++;
            continue;
        }
        if (i >= len || tolower((unsigned char)s[i]) != tolower((unsigned char)*k)) return 0;
        i++;
    }
    /* a keyword starts a word ("pan" is not found in "company"); it may end
     * inside one, as AWS's "codice fiscal" stands for "codice fiscale" */
    if (is_word(kw[0]) && p > 0 && is_word(s[p - 1])) return 0;
    return i - p;
}

/* Where a keyword was found: text[st, e). */
typedef struct {
    size_t st, e;
} span_t;

/* A growing array of spans in an arena. */
typedef struct {
    span_t *v;
    size_t n, cap;
    bool failed;
} spans_t;

static void spans_add(spans_t *l, arena_t *a, size_t st, size_t e)
{
    if (l->failed) return;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        span_t *nv = arena_realloc(a, l->v, l->cap * sizeof *nv, nc * sizeof *nv);
        if (!nv) {
            l->failed = true;
            return;
        }
        l->v = nv, l->cap = nc;
    }
    l->v[l->n++] = (span_t){st, e};
}

static int span_cmp(const void *x, const void *y)
{
    const span_t *a = x, *b = y;
    return a->st < b->st ? -1 : a->st > b->st;
}

/* Every occurrence of the keywords kw in s (low: s ASCII lower-cased),
 * sorted by start. The search is memmem for the keyword's first word, then
 * keyword_at, so that a text without any keyword costs little. */
static void keywords_find(spans_t *out, arena_t *a, const char *s, const char *low, size_t len, const char *const *kw)
{
    for (const char *const *k = kw; *k; k++) {
        char first[64];
        size_t m = 0;
        for (const char *c = *k; *c && *c != ' ' && m < sizeof first; c++)
            first[m++] = (char)tolower((unsigned char)*c);
        for (const char *p = low; m && (p = memmem(p, len - (size_t)(p - low), first, m)); p++) {
            size_t at = (size_t)(p - low), kl = keyword_at(s, len, at, *k);
            if (kl) spans_add(out, a, at, at + kl);
        }
    }
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, span_cmp);
}

/* Whether a keyword of kws ends at most KW_PROXIMITY characters before st
 * or starts at most that many after e. */
static bool keyword_near(const spans_t *kws, size_t st, size_t e)
{
    /* the first keyword that could qualify starts at least 64 (longer than any keyword) before */
    size_t from = st > KW_PROXIMITY + 64 ? st - KW_PROXIMITY - 64 : 0, lo = 0, hi = kws->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (kws->v[mid].st < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < kws->n && kws->v[i].st <= e + KW_PROXIMITY; i++) {
        const span_t *k = &kws->v[i];
        if ((k->e <= st && st - k->e <= KW_PROXIMITY) || (k->st >= e && k->st - e <= KW_PROXIMITY)) return true;
    }
    return false;
}

/* Whether the match text[st, e) of detector det is a detection. */
static bool detection(const detector_t *det, const char *text, size_t len, size_t st, size_t e, const spans_t *kws)
{
    if ((det->flags & WORD) && ((st > 0 && is_word(text[st - 1])) || (e < len && is_word(text[e])))) return false;
    if (det->check && !det->check(text + st, e - st)) return false;
    if (!det->kw || ((det->flags & INTL) && text[st] == '+')) return true;
    return keyword_near(kws, st, e);
}

/* The longest detection a keyword-bound identifier finds whole: matches are
 * looked for only this far beyond a keyword's proximity. */
#define MAX_NEAR_MATCH 128

typedef struct {
    const dataident_t *d;
    arena_t *a;
    str_t text; /* the original, for boundaries and checks */
    char *s;    /* its copy regexec reads (NUL as line break) */
    dataident_hit_t *hits;
    size_t n, cap;
    bool failed;
} scan_t;

/* Runs detector i over s[from, to): every detection into sc->hits. */
static void scan_range(scan_t *sc, size_t i, size_t from, size_t to, const spans_t *kws)
{
    const detector_t *det = sc->d->d[i];
    char saved = sc->s[to];
    sc->s[to] = 0; /* regexec stops at the window's end */
    size_t off = from;
    regmatch_t rm;
    while (off < to && regexec(det->re, sc->s + off, 1, &rm, off ? REG_NOTBOL : 0) == 0) {
        size_t st = off + (size_t)rm.rm_so, e = off + (size_t)rm.rm_eo;
        if (e == st) break;
        if (!detection(det, sc->text.p, sc->text.len, st, e, kws)) {
            off = st + 1; /* a shorter or later match may start inside the rejected one */
            continue;
        }
        if (sc->n == sc->cap) {
            size_t nc = sc->cap ? sc->cap * 2 : 8;
            dataident_hit_t *nh = arena_realloc(sc->a, sc->hits, sc->cap * sizeof *nh, nc * sizeof *nh);
            if (!nh) {
                sc->failed = true;
                break;
            }
            sc->hits = nh, sc->cap = nc;
        }
        sc->hits[sc->n++] = (dataident_hit_t){i, st, e};
        off = e;
    }
    sc->s[to] = saved;
}

/* Runs keyword-bound detector i only around its keywords (and, for phone
 * numbers, around each "+" and digit): a text without them is not scanned. */
static void scan_near(scan_t *sc, size_t i, const char *low, spans_t *kws)
{
    const detector_t *det = sc->d->d[i];
    size_t len = sc->text.len;
    keywords_find(kws, sc->a, sc->text.p, low, len, det->kw);
    spans_t anchors = {0};
    for (size_t k = 0; k < kws->n; k++) spans_add(&anchors, sc->a, kws->v[k].st, kws->v[k].e);
    if (det->flags & INTL)
        for (const char *p = sc->s; (p = memchr(p, '+', len - (size_t)(p - sc->s))); p++)
            if ((size_t)(p - sc->s) + 1 < len && isdigit((unsigned char)p[1]))
                spans_add(&anchors, sc->a, (size_t)(p - sc->s), (size_t)(p - sc->s));
    if (kws->failed || anchors.failed) {
        sc->failed = true;
        return;
    }
    if (anchors.n > 1) qsort(anchors.v, anchors.n, sizeof *anchors.v, span_cmp);
    const size_t reach = KW_PROXIMITY + MAX_NEAR_MATCH;
    for (size_t k = 0; k < anchors.n && !sc->failed;) {
        size_t from = anchors.v[k].st > reach ? anchors.v[k].st - reach : 0;
        size_t to = anchors.v[k].e + reach < len ? anchors.v[k].e + reach : len;
        /* merge the windows that overlap, so that hits stay in text order */
        while (++k < anchors.n && anchors.v[k].st <= to + reach)
            to = anchors.v[k].e + reach < len ? anchors.v[k].e + reach : len;
        scan_range(sc, i, from, to, kws);
    }
}

dataident_hit_t *dataident_scan(const dataident_t *d, arena_t *a, str_t text, size_t *n)
{
    *n = 0;
    if (!d || !d->n || !text.len) return NULL;
    /* regexec reads a C string: a NUL inside the text (JSON's \u0000)
     * becomes a byte no identifier matches, so nothing after it escapes */
    scan_t sc = {.d = d, .a = a, .text = text, .s = arena_strndup(a, text.p, text.len)};
    char *low = arena_strndup(a, text.p, text.len);
    if (!sc.s || !low) return NULL;
    for (size_t i = 0; i < text.len; i++) {
        if (!sc.s[i]) sc.s[i] = '\n';
        low[i] = (char)tolower((unsigned char)low[i]);
    }
    for (size_t i = 0; i < d->n && !sc.failed; i++) {
        spans_t kws = {0};
        if (d->d[i]->kw)
            scan_near(&sc, i, low, &kws);
        else
            scan_range(&sc, i, 0, text.len, &kws);
    }
    if (sc.failed) return NULL;
    *n = sc.n;
    return sc.hits;
}

str_t dataident_deidentify(arena_t *a, str_t text, const dataident_hit_t *hits, size_t n, int mask_char)
{
    if (!n) return text;
    /* hits of different identifiers may overlap: mark every covered byte */
    char *covered = arena_alloc(a, text.len);
    if (!covered) return STR_NULL;
    memset(covered, 0, text.len);
    for (size_t i = 0; i < n; i++) memset(covered + hits[i].start, 1, hits[i].end - hits[i].start);
    char *out = arena_alloc(a, text.len + 1);
    if (!out) return STR_NULL;
    size_t k = 0;
    for (size_t i = 0; i < text.len; i++)
        if (!covered[i])
            out[k++] = text.p[i];
        else if (mask_char >= 0)
            out[k++] = (char)mask_char;
    out[k] = 0;
    return str_n(out, k);
}

void dataident_findings_write(json_w_t *w, const dataident_t *d, const dataident_hit_t *hits, size_t n)
{
    json_w_arr_begin(w);
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && hits[k].ident == hits[i].ident) k++;
        json_w_obj_begin(w);
        json_w_key(w, STR("name"));
        json_w_str(w, dataident_name(d, hits[i].ident));
        json_w_key(w, STR("count"));
        json_w_int(w, (int64_t)(k - i));
        json_w_key(w, STR("detections"));
        json_w_arr_begin(w);
        for (size_t j = i; j < k; j++) {
            json_w_obj_begin(w);
            json_w_key(w, STR("start"));
            json_w_int(w, (int64_t)hits[j].start);
            json_w_key(w, STR("end"));
            json_w_int(w, (int64_t)hits[j].end);
            json_w_obj_end(w);
        }
        json_w_arr_end(w);
        json_w_obj_end(w);
        i = k;
    }
    json_w_arr_end(w);
}

/* dataident_test.c — the shared sensitive-data detector (services/dataident.c)
 * case by case: managed identifiers (each of AWS's catalogue with a positive
 * and a negative case; keywords, checksums, the Luhn check on cards), custom
 * expressions in AWS's syntax, overlapping detections masked and redacted,
 * and the findings report's dataIdentifiers array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/json.h"
#include "services/dataident.h"

static arena_t *a;

static int setup(void **state)
{
    (void)state;
    a = arena_new(0);
    return a ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(a);
    return 0;
}

static dataident_t *set_of(const char *const *names, size_t n)
{
    dataident_t *d = dataident_new(a);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        assert_true(dataident_add_managed(d, a, str_c(names[i]), &why));
        assert_null(why);
    }
    return d;
}

static void test_managed_and_luhn(void **state)
{
    (void)state;
    static const char *const names[] = {"CreditCardNumber", "EmailAddress", "CreditCardNumber"};
    dataident_t *d = set_of(names, 3);
    assert_int_equal(dataident_count(d), 2); /* a name already in the set is not added again */
    size_t n;
    str_t text = STR("card 4539 1488 0343 6467 / 4539 1488 0343 6468 / a.b@example.org");
    dataident_hit_t *h = dataident_scan(d, a, text, &n);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].ident, 0), assert_int_equal(h[0].start, 5), assert_int_equal(h[0].end, 24);
    assert_int_equal(h[1].ident, 1), assert_int_equal(h[1].start, 49), assert_int_equal(h[1].end, 64);
    const char *why = NULL;
    assert_false(dataident_add_managed(d, a, STR("NoSuchThing"), &why));
    assert_non_null(strstr(why, "NoSuchThing is not a managed data identifier (see "));
    assert_non_null(strstr(why, "CWL-managed-data-identifiers.html"));
    assert_null(dataident_scan(d, a, STR("nothing here"), &n));
    assert_int_equal(n, 0);
}

/* One positive and one negative case per identifier of the catalogue: the
 * positive text must yield a detection of exactly `want`; the negative one
 * (no keyword, a bad checksum or a reserved value) none. */
static const struct {
    const char *name, *text, *want, *negative;
} cases[] = {
    {"Address", "ship to 1600 Pennsylvania Avenue, Washington, DC 20500 today",
     "1600 Pennsylvania Avenue, Washington, DC 20500", "ship to room 12 of the main building"},
    {"AwsSecretKey", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sha wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
    {"CreditCardExpiration", "card expiry 09/27", "09/27", "version 09/27"},
    {"CreditCardMagneticStripe", "swipe %B4539148803436467^DOE/JANE^2712101000000000?",
     "%B4539148803436467^DOE/JANE^2712101000000000?", "%B4539148803436467 DOE JANE"},
    {"CreditCardNumber", "visa 4539 1488 0343 6467 ok", "4539 1488 0343 6467", "visa 4111 1111 1111 1111"},
    {"CreditCardSecurityCode", "cvv: 123", "123", "room 123"},
    {"DateOfBirth", "dob 1985-03-14", "1985-03-14", "shipped 1985-03-14"},
    {"EmailAddress", "mail jane.doe@example.com now", "jane.doe@example.com", "mail jane.doe at example"},
    {"IpAddress", "from 192.168.10.25 port", "192.168.10.25", "version 1.2.3"},
    {"LatLong", "location: 41.948614,-87.655311", "41.948614,-87.655311", "ratio 41.948614,-87.655311"},
    {"Name", "patient name: Jane Doe", "Jane Doe", "took 124 ms Billed Duration"},
    {"OpenSshPrivateKey", "k -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----",
     "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----",
     "-----BEGIN OPENSSH PUBLIC KEY-----"},
    {"PgpPrivateKey", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF=\n-----END PGP PRIVATE KEY BLOCK-----",
     "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF=\n-----END PGP PRIVATE KEY BLOCK-----",
     "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQ=\n-----END PGP PUBLIC KEY BLOCK-----"},
    {"PkcsPrivateKey", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----",
     "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----",
     "-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----"},
    {"PuttyPrivateKey", "PuTTY-User-Key-File-2: ssh-rsa\nPrivate-Lines: 1\nAAAA\nPrivate-MAC: 0a1b2c",
     "PuTTY-User-Key-File-2: ssh-rsa\nPrivate-Lines: 1\nAAAA\nPrivate-MAC: 0a1b2c", "PuTTY-User-Key-File-2: ssh-rsa"},
    {"VehicleIdentificationNumber", "vin 1HGCM82633A004352", "1HGCM82633A004352", "id 1HGCM82633A004352"},
    {"BankAccountNumber-DE", "iban DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00",
     "iban DE89 3704 0044 0532 0130 01"},
    {"BankAccountNumber-ES", "iban ES9121000418450200051332", "ES9121000418450200051332", "ES9121000418450200051332"},
    {"BankAccountNumber-FR", "iban FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606",
     "iban FR15 2004 1010 0505 0001 3M02 606"},
    {"BankAccountNumber-GB", "iban GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19",
     "code GB29 NWBK 6016 1331 9268 19"},
    {"BankAccountNumber-IT", "iban IT60 X054 2811 1010 0000 0123 456", "IT60 X054 2811 1010 0000 0123 456",
     "iban IT61 X054 2811 1010 0000 0123 456"},
    {"BankAccountNumber-US", "checking account 0123456789", "0123456789", "order 0123456789"},
    {"CepCode-BR", "cep 01310-100", "01310-100", "ref 01310-100"},
    {"Cnpj-BR", "cnpj 11.222.333/0001-81", "11.222.333/0001-81", "cnpj 11.222.333/0001-82"},
    {"CpfCode-BR", "cpf 529.982.247-25", "529.982.247-25", "cpf 529.982.247-26"},
    {"RgNumber-BR", "rg 24.678.131-9", "24.678.131-9", "rg 24.678.131-8"},
    {"PhoneNumber-BR", "celular (11) 91234-5678", "(11) 91234-5678", "pedido (11) 91234-5678"},
    {"DriversLicense-AT", "führerschein 12345678", "12345678", "auftrag 12345678"},
    {"DriversLicense-AU", "driver licence 12345678", "12345678", "order 12345678"},
    {"DriversLicense-BE", "rijbewijs 1234567890", "1234567890", "order 1234567890"},
    {"DriversLicense-BG", "шофьорска книжка 123456789", "123456789", "order 123456789"},
    {"DriversLicense-CA", "dl# A1234-56789-01234", "A1234-56789-01234", "ref A1234-56789-01234"},
    {"DriversLicense-CY", "άδεια οδήγησης 123456789012", "123456789012", "order 123456789012"},
    {"DriversLicense-CZ", "řidičský průkaz EA 123456", "EA 123456", "order EA 123456"},
    {"DriversLicense-DE", "führerschein B072RRE2I55", "B072RRE2I55", "order B072RRE2I55"},
    {"DriversLicense-DK", "kørekort 12345678", "12345678", "order 12345678"},
    {"DriversLicense-EE", "juhiluba ET123456", "ET123456", "order ET123456"},
    {"DriversLicense-ES", "permiso de conducción 12345678Z", "12345678Z", "permiso de conducción 12345678A"},
    {"DriversLicense-FI", "ajokortti 131052-308T", "131052-308T", "order 131052-308T"},
    {"DriversLicense-FR", "permis de conduire 123456789012", "123456789012", "order 123456789012"},
    {"DriversLicense-GB", "driving licence MORGA657054SM9IJ", "MORGA657054SM9IJ", "ref MORGA657054SM9IJ"},
    {"DriversLicense-GR", "adeia odigisis 123456789", "123456789", "order 123456789"},
    {"DriversLicense-HR", "vozačka dozvola 12345678", "12345678", "order 12345678"},
    {"DriversLicense-HU", "jogosítvány AB123456", "AB123456", "order AB123456"},
    {"DriversLicense-IE", "ceadúnas tiomána 123-456-789", "123-456-789", "order 123-456-789"},
    {"DriversLicense-IT", "patente di guida AB1234567C", "AB1234567C", "order AB1234567C"},
    {"DriversLicense-LT", "vairuotojo pažymėjimas 12345678", "12345678", "order 12345678"},
    {"DriversLicense-LU", "fahrerlaubnis 123456", "123456", "order 123456"},
    {"DriversLicense-LV", "vadītāja apliecība AB123456", "AB123456", "order AB123456"},
    {"DriversLicense-MT", "liċenzja tas-sewqan 1234567M", "1234567M", "order 1234567M"},
    {"DriversLicense-NL", "rijbewijs 1234567890", "1234567890", "order 1234567890"},
    {"DriversLicense-PL", "prawo jazdy 12345/67/8901", "12345/67/8901", "order 12345/67/8901"},
    {"DriversLicense-PT", "carta de condução L-123456 7", "L-123456 7", "order L-123456 7"},
    {"DriversLicense-RO", "permis de conducere 123456789", "123456789", "order 123456789"},
    {"DriversLicense-SE", "körkort 850709-9805", "850709-9805", "order 850709-9805"},
    {"DriversLicense-SI", "vozniško dovoljenje 12345678", "12345678", "order 12345678"},
    {"DriversLicense-SK", "vodičský preukaz EA123456", "EA123456", "order EA123456"},
    {"DriversLicense-US", "driver's license D1234567", "D1234567", "order D1234567"},
    {"DrugEnforcementAgencyNumber-US", "dea number AB1234563", "AB1234563", "dea number AB1234564"},
    {"HealthInsuranceCardNumber-EU", "ehic 80276001234567890123", "80276001234567890123", "order 80276001234567890123"},
    {"HealthInsuranceClaimNumber-US", "hicn 123-45-6789A", "123-45-6789A", "hicn 000-45-6789A"},
    {"HealthInsuranceNumber-FR", "carte vitale 2 55 08 14 168 025 38", "2 55 08 14 168 025 38",
     "carte vitale 2 55 08 14 168 025 39"},
    {"HealthcareProcedureCode-US", "hcpcs J1234", "J1234", "model J1234"},
    {"MedicareBeneficiaryNumber-US", "mbi 1EG4-TE5-MK73", "1EG4-TE5-MK73", "ref 1EG4-TE5-MK73"},
    {"NationalDrugCode-US", "ndc 0777-3105-02", "0777-3105-02", "part 0777-3105-02"},
    {"NationalProviderId-US", "npi 1234567893", "1234567893", "npi 1234567890"},
    {"NhsNumber-GB", "nhs 943 476 5919", "943 476 5919", "nhs 943 476 5918"},
    {"PersonalHealthNumber-CA", "phn 9876 543 210", "9876 543 210", "order 9876 543 210"},
    {"ElectoralRollNumber-GB", "electoral roll number ABC1234", "ABC1234", "model ABC1234"},
    {"IndividualTaxIdentificationNumber-US", "itin 912-71-1234", "912-71-1234", "itin 912-45-1234"},
    {"InseeCode-FR", "insee 255081416802538", "255081416802538", "insee 255081416802539"},
    {"NationalIdentificationNumber-DE", "personalausweis T220001293", "T220001293", "personalausweis T220001294"},
    {"NationalIdentificationNumber-ES", "dni 12345678Z", "12345678Z", "dni 12345678A"},
    {"NationalIdentificationNumber-IT", "codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S",
     "codice fiscale RSSMRA85T10A562T"},
    {"NationalInsuranceNumber-GB", "nino AB 12 34 56 C", "AB 12 34 56 C", "nino BG 12 34 56 C"},
    {"NieNumber-ES", "nie X1234567L", "X1234567L", "nie X1234567M"},
    {"NifNumber-ES", "nif 12345678Z", "12345678Z", "nif 12345678B"},
    {"PassportNumber-CA", "passport AB123456", "AB123456", "order AB123456"},
    {"PassportNumber-DE", "reisepass C01X00T47", "C01X00T47", "order C01X00T47"},
    {"PassportNumber-ES", "pasaporte AAA123456", "AAA123456", "order AAA123456"},
    {"PassportNumber-FR", "passeport 12AB34567", "12AB34567", "order 12AB34567"},
    {"PassportNumber-GB", "passport number 123456789", "123456789", "order 123456789"},
    {"PassportNumber-IT", "passaporto YA1234567", "YA1234567", "order YA1234567"},
    {"PassportNumber-US", "passport 123456789", "123456789", "order 123456789"},
    {"PermanentResidenceNumber-CA", "pr number PA1234567", "PA1234567", "order PA1234567"},
    {"PhoneNumber", "call +44 20 7946 0958", "+44 20 7946 0958", "call 20 7946 0958"},
    {"PhoneNumber-DE", "tel 030 12345678", "030 12345678", "id 030 12345678"},
    {"PhoneNumber-ES", "phone 612 345 678", "612 345 678", "id 612 345 678"},
    {"PhoneNumber-FR", "x +33 1 23 45 67 89", "+33 1 23 45 67 89", "id 01 23 45 67 89"},
    {"PhoneNumber-GB", "mobile 07700 900123", "07700 900123", "id 07700 900123"},
    {"PhoneNumber-IT", "tel 333 1234567", "333 1234567", "id 333 1234567"},
    {"PhoneNumber-US", "phone (555) 234-5678", "(555) 234-5678", "id (555) 234-5678"},
    {"PostalCode-CA", "to K1A 0B1 now", "K1A 0B1", "to D1A 0B1 now"},
    {"SocialInsuranceNumber-CA", "sin 046 454 286", "046 454 286", "sin 046 454 287"},
    {"Ssn-ES", "ssn 28 12345678 40", "28 12345678 40", "ssn 28 12345678 41"},
    {"Ssn-US", "ssn 123-45-6789", "123-45-6789", "order 123-45-6789"},
    {"TaxId-DE", "steuer id 86095742719", "86095742719", "steuer id 86095742718"},
    {"TaxId-ES", "cif A58818501", "A58818501", "cif A58818502"},
    {"TaxId-FR", "tin 30 23 217 600 053", "30 23 217 600 053", "tin 30 23 217 600 054"},
    {"TaxId-GB", "utr 12345 67890", "12345 67890", "order 12345 67890"},
    {"ZipCode-US", "zip code 98101-1234", "98101-1234", "order 98101-1234"},
};

static void test_catalogue(void **state)
{
    (void)state;
    /* every entry has a case, and every case names an entry */
    assert_int_equal(dataident_managed_count(), sizeof cases / sizeof cases[0]);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dataident_t *d = set_of(&cases[i].name, 1);
        size_t n;
        str_t text = str_c(cases[i].text);
        dataident_hit_t *h = dataident_scan(d, a, text, &n);
        if (n != 1 || h[0].end - h[0].start != strlen(cases[i].want) ||
            memcmp(text.p + h[0].start, cases[i].want, strlen(cases[i].want)))
            fail_msg("%s: %zu detection(s) in \"%s\", the first \"%.*s\"; want \"%s\"", cases[i].name, n, cases[i].text,
                     n ? (int)(h[0].end - h[0].start) : 0, n ? text.p + h[0].start : "", cases[i].want);
        dataident_scan(d, a, str_c(cases[i].negative), &n);
        if (n) fail_msg("%s: detected in the negative case \"%s\"", cases[i].name, cases[i].negative);
    }
}

static void test_keyword_rules(void **state)
{
    (void)state;
    static const char *const names[] = {"Ssn-US"};
    dataident_t *d = set_of(names, 1);
    size_t n;
    /* AWS: a keyword's space also matches "_", "-" or nothing; case is ignored */
    static const char *const near[] = {"Social_Security 123-45-6789", "SOCIALSECURITY: 123-45-6789",
                                       "123-45-6789 is the ssn"};
    for (size_t i = 0; i < 3; i++) {
        dataident_scan(d, a, str_c(near[i]), &n);
        assert_int_equal(n, 1);
    }
    /* 31 characters away is too far; a keyword inside a word is no keyword */
    dataident_scan(d, a, STR("ssn ............................... 123-45-6789"), &n);
    assert_int_equal(n, 0);
    dataident_scan(d, a, STR("classn 123-45-6789"), &n);
    assert_int_equal(n, 0);
    /* a number inside a longer one is not detected */
    dataident_scan(d, a, STR("ssn 9123-45-67890"), &n);
    assert_int_equal(n, 0);
    /* in a long text only the surroundings of a keyword are scanned: both
     * detections near one are found, in text order, and the number far from
     * any keyword is not */
    char big[3000];
    memset(big, '.', sizeof big);
    memcpy(big + 10, "123-45-6789", 11);
    memcpy(big + 1500, "ssn 123-45-6789 and 234-56-7890", 31);
    memcpy(big + sizeof big - 15, "ssn 111-22-3333", 15);
    dataident_hit_t *h = dataident_scan(d, a, str_n(big, sizeof big), &n);
    assert_int_equal(n, 3);
    assert_int_equal(h[0].start, 1504), assert_int_equal(h[1].start, 1520);
    assert_int_equal(h[2].start, sizeof big - 11), assert_int_equal(h[2].end, sizeof big);
    /* a phone number with its country code needs no keyword, wherever it is */
    static const char *const phone[] = {"PhoneNumber-GB"};
    memset(big, '.', sizeof big);
    memcpy(big + 2000, "+44 20 7946 0958", 16);
    h = dataident_scan(set_of(phone, 1), a, str_n(big, sizeof big), &n);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].start, 2000), assert_int_equal(h[0].end, 2016);
}

static void test_custom_and_deidentify(void **state)
{
    (void)state;
    dataident_t *d = dataident_new(a);
    const char *why = NULL;
    assert_true(dataident_add_custom(d, a, STR("Id"), STR("ID-\\d{3}"), &why));
    assert_true(dataident_add_custom(d, a, STR("Tail"), STR("\\d{3} x"), &why));
    assert_false(dataident_add_custom(d, a, STR("Bad"), STR("a(b"), &why));
    assert_string_equal(why, "The regular expression of custom data identifier Bad is not valid.");
    str_t text = STR("a ID-123 x b\0ID-456");
    text.len = 19;
    size_t n;
    dataident_hit_t *h = dataident_scan(d, a, text, &n);
    assert_int_equal(n, 3); /* ID-123, ID-456 (after the NUL), and the overlapping "123 x" */
    str_t masked = dataident_deidentify(a, text, h, n, '#');
    assert_int_equal(masked.len, text.len);
    assert_memory_equal(masked.p, "a ######## b\0######", 19);
    str_t redacted = dataident_deidentify(a, text, h, n, -1);
    assert_int_equal(redacted.len, 5);
    assert_memory_equal(redacted.p, "a  b\0", 5);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    dataident_findings_write(&w, d, h, n);
    str_t got = buf_str(&b);
    const char *want =
        "[{\"name\":\"Id\",\"count\":2,\"detections\":[{\"start\":2,\"end\":8},{\"start\":13,\"end\":19}]},"
        "{\"name\":\"Tail\",\"count\":1,\"detections\":[{\"start\":5,\"end\":10}]}]";
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.p, want, got.len);
}

static void test_posix_regex(void **state)
{
    (void)state;
    assert_string_equal(dataident_posix_regex(a, STR("\\d\\w\\s\\D\\W\\S\\.")),
                        "[0-9][A-Za-z0-9_][[:space:]][^0-9][^A-Za-z0-9_][^[:space:]]\\.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_managed_and_luhn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyword_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_and_deidentify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posix_regex, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

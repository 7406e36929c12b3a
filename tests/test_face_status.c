/* test_face_status.c - every face_status has its own name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "face/face.h"

static void test_names_distinct(void **state)
{
    (void)state;
    for (int a = FACE_OK; a <= FACE_EINVAL; a++)
        for (int b = a + 1; b <= FACE_EINVAL; b++)
            assert_string_not_equal(face_strerror((face_status)a), face_strerror((face_status)b));
    assert_string_equal(face_strerror(FACE_OK), "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names_distinct)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

# Fails when docs/fields.md differs from what limen-field-docs prints.
execute_process(COMMAND ${TOOL} OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "limen-field-docs failed (${rc})")
endif()
file(READ ${DOC} current)
if(NOT generated STREQUAL current)
  message(FATAL_ERROR "${DOC} is out of date: regenerate it with build/bin/limen-field-docs > docs/fields.md")
endif()

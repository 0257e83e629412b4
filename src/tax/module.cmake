# The individual resident tax (個人住民税). Its law (rates, tables, limits per
# fiscal year, citing the statutes) and municipality data are JSON under
# data/tax/, built into the binary and validated on load (tax/law.h).
file(GLOB_RECURSE TAX_DATA_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/data/tax/*.json)
set(TAX_DATA_C ${CMAKE_BINARY_DIR}/generated/tax_data.c)
add_custom_command(
  OUTPUT ${TAX_DATA_C}
  COMMAND ${CMAKE_COMMAND} -DOUT=${TAX_DATA_C} -DDIR=${CMAKE_SOURCE_DIR}/data/tax
          -DSYMBOL=tax_data_builtins -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  DEPENDS ${TAX_DATA_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  COMMENT "Embedding tax law data")
# Parts that need nothing of the spine: the law and the engine; the file
# layouts; the collection schedules. atena_tax (tax*.c but the platform face)
# is the business module on the spine: intake, matching, the annual batch,
# corrections, documents.
set(TAX_DIR ${CMAKE_CURRENT_LIST_DIR})
file(GLOB TAX_ENGINE_SRC CONFIGURE_DEPENDS ${TAX_DIR}/law*.c ${TAX_DIR}/engine*.c
     ${TAX_DIR}/case*.c)
add_library(atena_tax_engine STATIC ${TAX_ENGINE_SRC} ${TAX_DATA_C})
target_link_libraries(atena_tax_engine PUBLIC atena_core)
file(GLOB TAX_LAYOUT_SRC CONFIGURE_DEPENDS ${TAX_DIR}/layout*.c)
add_library(atena_tax_layout STATIC ${TAX_LAYOUT_SRC})
target_link_libraries(atena_tax_layout PUBLIC atena_tax_engine atena_crypto)
file(GLOB TAX_SCHEDULE_SRC CONFIGURE_DEPENDS ${TAX_DIR}/schedule*.c)
add_library(atena_tax_schedule STATIC ${TAX_SCHEDULE_SRC})
target_link_libraries(atena_tax_schedule PUBLIC atena_core)
file(GLOB TAX_SRC CONFIGURE_DEPENDS ${TAX_DIR}/tax*.c)
list(FILTER TAX_SRC EXCLUDE REGEX "${ATENA_MODULE_FACE_RE}")
add_library(atena_tax STATIC ${TAX_SRC})
target_link_libraries(atena_tax PUBLIC atena_tax_engine atena_tax_layout atena_tax_schedule
                      atena_policy atena_registry atena_documents)
list(APPEND ATENA_MODULE_LIBS atena_tax)

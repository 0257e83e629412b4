# The resident register's business library (everything in src/registry but
# its platform face, which the top-level CMakeLists.txt builds into atena_app).
file(GLOB REGISTRY_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(FILTER REGISTRY_SRC EXCLUDE REGEX "${ATENA_MODULE_FACE_RE}")
add_library(atena_registry STATIC ${REGISTRY_SRC})
target_link_libraries(atena_registry PUBLIC atena_policy atena_documents)   # certificates as forms
list(APPEND ATENA_MODULE_LIBS atena_registry)

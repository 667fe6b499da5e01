# SPDX-License-Identifier: Apache-2.0
# The dashboard (docs/dashboard.md): the files under web/ and the npm packages
# it draws with are embedded into the `ordo` executable at build time, so
# `ordo serve` answers GET / and GET /assets/... from memory, with no files on
# disk and no internet. The npm packages come from web/package-lock.json
# (scripts/web_deps.sh runs `npm ci` when web/node_modules is missing).
#
# ORDO_ASSETS is a list of URL-path=file pairs; cmake/ordo_assets_embed.cmake
# turns it into one C file of byte arrays and the ordo_assets_table that
# src/server/assets.c looks paths up in.
set(ORDO_WEB_DIR ${CMAKE_SOURCE_DIR}/web)
set(_npm ${ORDO_WEB_DIR}/node_modules)
set(ORDO_ASSETS_VENDOR
    "/assets/vendor/d3-array.min.js=${_npm}/d3-array/dist/d3-array.min.js"
    "/assets/vendor/d3-geo.min.js=${_npm}/d3-geo/dist/d3-geo.min.js"
    "/assets/vendor/topojson-client.min.js=${_npm}/topojson-client/dist/topojson-client.min.js"
    "/assets/vendor/states-10m.json=${_npm}/us-atlas/states-10m.json")

# A fresh checkout has no node_modules: install them now, or stop here with
# the reason (a build without them would serve a dashboard that cannot draw).
set(_missing "")
foreach(_pair ${ORDO_ASSETS_VENDOR})
  string(REGEX REPLACE "^[^=]*=" "" _file "${_pair}")
  if(NOT EXISTS ${_file})
    set(_missing ${_file})
  endif()
endforeach()
if(_missing)
  message(STATUS "dashboard: ${_missing} is missing: running scripts/web_deps.sh (npm ci in web/)")
  execute_process(COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/web_deps.sh RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR NOT EXISTS ${_missing})
    message(FATAL_ERROR "dashboard assets not found: ${_missing}\n"
            "The dashboard's npm packages (web/package-lock.json) could not be installed. "
            "Run scripts/deps.sh (Debian's nodejs and npm, then `npm ci` in web/) and configure again.")
  endif()
endif()

file(GLOB _web_js CONFIGURE_DEPENDS ${ORDO_WEB_DIR}/js/*.js)
set(ORDO_ASSETS "/index.html=${ORDO_WEB_DIR}/index.html"
                "/assets/style.css=${ORDO_WEB_DIR}/style.css")
foreach(_js ${_web_js})
  get_filename_component(_name ${_js} NAME)
  list(APPEND ORDO_ASSETS "/assets/js/${_name}=${_js}")
endforeach()
list(APPEND ORDO_ASSETS ${ORDO_ASSETS_VENDOR})

set(_files "")
foreach(_pair ${ORDO_ASSETS})
  string(REGEX REPLACE "^[^=]*=" "" _file "${_pair}")
  list(APPEND _files ${_file})
endforeach()
set(ORDO_ASSETS_C ${CMAKE_BINARY_DIR}/generated/ordo_assets_data.c)
string(REPLACE ";" "|" _assets_arg "${ORDO_ASSETS}")
add_custom_command(OUTPUT ${ORDO_ASSETS_C}
                   COMMAND ${CMAKE_COMMAND} "-DASSETS=${_assets_arg}" -DOUT=${ORDO_ASSETS_C}
                           -P ${CMAKE_SOURCE_DIR}/cmake/ordo_assets_embed.cmake
                   DEPENDS ${_files} ${CMAKE_SOURCE_DIR}/cmake/ordo_assets_embed.cmake
                   COMMENT "Embedding the dashboard assets" VERBATIM)

# Not part of libordo: the server is a front end (docs/architecture.md).
add_library(ordo_assets STATIC ${CMAKE_SOURCE_DIR}/src/server/assets.c ${ORDO_ASSETS_C})
target_include_directories(ordo_assets PUBLIC ${CMAKE_SOURCE_DIR}/src/server)
target_link_libraries(ordo PRIVATE ordo_assets)
if(TARGET server_test_assets)
  target_link_libraries(server_test_assets PRIVATE ordo_assets)
endif()
if(TARGET server_test_dashboard)
  # 77: no chromium or no `ordo serve` in this build (the script says which)
  set_tests_properties(server_test_dashboard PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

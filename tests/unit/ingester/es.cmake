# Unit tests of the Elasticsearch sink (es_*_test.cpp): one gtest binary per
# file, named ingester_<stem>. Included by tests/unit/ingester/CMakeLists.txt
# with include(${CMAKE_CURRENT_SOURCE_DIR}/es.cmake OPTIONAL); canned bodies
# live in data/es/.
file(GLOB LOGPOST_ES_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/es_*_test.cpp")
foreach(source ${LOGPOST_ES_TEST_SOURCES})
  get_filename_component(stem ${source} NAME_WE)
  logpost_unit_test(ingester_${stem} logpost_ingester ${source})
endforeach()

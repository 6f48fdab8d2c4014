# logpost_add_component_subdirectories(): adds every immediate subdirectory
# of the current source directory that has a CMakeLists.txt. Used where each
# component owns one subdirectory (tools/, bench/, tests/integration/), so a
# new component needs no edit of the parent.
function(logpost_add_component_subdirectories)
  file(GLOB children LIST_DIRECTORIES true "${CMAKE_CURRENT_SOURCE_DIR}/*")
  list(SORT children)
  foreach(dir ${children})
    if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/CMakeLists.txt)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()

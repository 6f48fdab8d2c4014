# logpost_target_warnings(<target>): the project's warning set on one target.
# Third-party headers are included as SYSTEM, so their warnings stay theirs.
function(logpost_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wformat=2
    -Wimplicit-fallthrough)
  if(LOGPOST_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(LOGPOST_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

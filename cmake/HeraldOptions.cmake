# Compiler settings shared by every herald target.

# Applies herald's warning flags and sanitizer settings to TARGET.
function(herald_configure_target target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
    -Wimplicit-fallthrough)
  if(HERALD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(HERALD_SANITIZE)
  string(REPLACE "," ";" _herald_sanitizers "${HERALD_SANITIZE}")
  foreach(_sanitizer IN LISTS _herald_sanitizers)
    add_compile_options(-fsanitize=${_sanitizer})
    add_link_options(-fsanitize=${_sanitizer})
  endforeach()
  add_compile_options(-fno-omit-frame-pointer -fno-sanitize-recover=all)
endif()

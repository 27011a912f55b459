// hello_cpp: proves C++20 programs work against the same library: a static
// object's constructor runs before main, virtual calls, new/delete, templates.
#include "kernel/types.h"
#include "user/user.h"

namespace {

class Greeter {
 public:
  explicit Greeter(const char* who) : who_(who) {}
  virtual ~Greeter() = default;
  virtual void greet() const { printf("hello, %s, from C++\n", who_); }

 protected:
  const char* who_;
};

class LoudGreeter : public Greeter {
 public:
  using Greeter::Greeter;
  void greet() const override { printf("HELLO, %s, FROM C++!\n", who_); }
};

struct Startup {
  int value;
  Startup() : value(42) {}
};
Startup startup;  // constructed by the start-up code

template <typename T, int N>
constexpr T sum(const T (&values)[N]) {
  T total{};
  for (const T& v : values) total += v;
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  if (startup.value != 42) {
    fprintf(2, "hello_cpp: static constructor did not run\n");
    return 1;
  }
  Greeter* greeters[] = {new Greeter(argc > 1 ? argv[1] : "world"), new LoudGreeter("rivet")};
  for (Greeter* g : greeters) {
    if (g == nullptr) {
      fprintf(2, "hello_cpp: out of memory\n");
      return 1;
    }
    g->greet();
  }
  for (Greeter* g : greeters) delete g;
  constexpr int numbers[] = {1, 2, 3, 4};
  static_assert(sum(numbers) == 10);
  double ratio = static_cast<double>(sum(numbers)) / 4;  // exercises the FPU
  printf("sum %d, mean %d.%d\n", sum(numbers), static_cast<int>(ratio), static_cast<int>(ratio * 10) % 10);
  return 0;
}
